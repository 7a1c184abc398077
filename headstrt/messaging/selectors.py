"""Reads of a person's notifications; each takes the person asking and returns only theirs."""

from django.db.models import QuerySet

from headstrt.accounts.models import User
from headstrt.core.errors import NotFound
from headstrt.messaging.models import Notification


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    """The person's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_notification_count(*, user: User) -> int:
    """How many of the person's notifications are still unread (one query)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_get_for_recipient(*, notification_id: object, user: User) -> Notification:
    """One of the person's notifications; anyone else's is ``NotFound``."""
    notification = (
        Notification.objects.filter(public_id=notification_id, recipient=user).first()
        if isinstance(notification_id, str)
        else None
    )
    if notification is None:
        raise NotFound("No such notification.")
    return notification
