"""Template context for every page: the signed-in person's unread notifications and messages."""

from functools import cache

from django.db.models import Count, Q
from django.http import HttpRequest

from headstrt.messaging.conversations import MESSAGE_RECEIVED
from headstrt.messaging.models import Notification


def notifications(request: HttpRequest) -> dict:
    """``unread_notifications`` and ``unread_messages`` (how many conversations have unread
    messages) for signed-in people. Both come from one query, run only when a template reads
    either, so fragments that never show the badges cost nothing.

    A conversation's new messages raise one unread "message received" notification until the
    person reads them, so counting those counts the conversations with something unread
    without a second query on every page.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def counts() -> dict:
        return Notification.objects.filter(recipient=user, read_at__isnull=True).aggregate(
            notifications=Count("pk"), messages=Count("pk", filter=Q(kind=MESSAGE_RECEIVED))
        )

    return {
        "unread_notifications": lambda: counts()["notifications"],
        "unread_messages": lambda: counts()["messages"],
    }
