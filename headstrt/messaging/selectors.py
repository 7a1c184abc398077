"""Reads of a person's notifications and of what messaging holds about them; each takes the
person asking and returns only theirs."""

from django.db.models import QuerySet

from headstrt.accounts.models import User
from headstrt.core.errors import NotFound
from headstrt.messaging.models import Block, EmailPreference, Message, Notification


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


def messaging_export(*, user: User) -> dict:
    """What messaging holds about the person, for their data export: the messages they
    wrote (with the names of their files), their email choices and the people they blocked."""
    messages = (
        Message.objects.filter(author=user)
        .select_related("conversation")
        .prefetch_related("attachments")
        .order_by("id")
    )
    return {
        "messages": [
            {
                "conversation": message.conversation.public_id,
                "body": message.body,
                "files": [attachment.name for attachment in message.attachments.all()],
                "created_at": message.created_at.isoformat(),
            }
            for message in messages
        ],
        "email_preferences": {
            preference.category: preference.email
            for preference in EmailPreference.objects.filter(person=user)
        },
        "message_blocks": list(
            Block.objects.filter(blocker=user).values_list("blocked__public_id", flat=True)
        ),
    }
