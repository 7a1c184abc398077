"""One-click unsubscribe links: signed tokens naming a person and a category of email."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError
from headstrt.messaging.preferences import Category, category_named

# A salt of its own, so no other signed value of the platform is ever a valid link.
SALT = "headstrt.messaging.unsubscribe"
INVALID = (
    "This unsubscribe link is not valid: it may have been cut short or changed. "
    "Sign in and choose which emails you get on your email preferences page."
)


def unsubscribe_token(*, user: User, category: Category) -> str:
    """The token of ``user``'s link to stop email about ``category``.

    It does not expire: a link in an old email must still work.
    """
    return signing.Signer(salt=SALT).sign_object([user.public_id, category.key])


def unsubscribe_url(*, user: User, category: Category) -> str:
    """The full address of the link, for emails and their List-Unsubscribe header."""
    token = unsubscribe_token(user=user, category=category)
    return f"{settings.SITE_URL}{reverse('web:unsubscribe', args=[token])}"


def unsubscribe_token_read(token: str) -> tuple[User, Category]:
    """The person and category a token names; a forged, altered or outdated token (unknown
    or inactive person, category that cannot be turned off) is a 400 ``DomainError``."""
    try:
        person_id, key = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        raise DomainError("unsubscribe_invalid", INVALID) from None
    category = category_named(key)
    person = (
        User.objects.filter(public_id=person_id, is_active=True).first()
        if isinstance(person_id, str)
        else None
    )
    if category is None or category.always or person is None:
        raise DomainError("unsubscribe_invalid", INVALID)
    return person, category
