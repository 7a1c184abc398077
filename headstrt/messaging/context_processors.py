"""Template context for every page: the signed-in person's unread notification count."""

from functools import cache

from django.http import HttpRequest

from headstrt.messaging.selectors import unread_notification_count


def notifications(request: HttpRequest) -> dict:
    """``unread_notifications`` for signed-in people, counted (one query) only when a
    template reads it, so fragments that never show the badge cost nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_notifications() -> int:
        return unread_notification_count(user=user)

    return {"unread_notifications": unread_notifications}
