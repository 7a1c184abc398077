"""Calendar feed services: give a person a private subscription address, or take it back."""

import hashlib
import secrets

from django.db import transaction

from headstrt.accounts.models import User
from headstrt.scheduling.models import CalendarFeed

# 32 random bytes: the address is the only thing that protects the feed.
TOKEN_BYTES = 32


def calendar_feed_token_hash(token: str) -> str:
    """The SHA-256 under which a feed token is stored (the token itself never is)."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """A fresh secret token for the person's calendar feed; any earlier feed address stops
    working. The token is returned once and cannot be recovered later."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    CalendarFeed.objects.filter(user=user).delete()
    CalendarFeed.objects.create(user=user, token_hash=calendar_feed_token_hash(token))
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    """Stop the person's calendar feed; its address answers 404 from now on (idempotent)."""
    CalendarFeed.objects.filter(user=user).delete()
