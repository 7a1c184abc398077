"""A person's notifications (list, mark read) and their private calendar feed address."""

from datetime import datetime

from django.http import HttpRequest
from django.views.decorators.cache import never_cache
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from headstrt.core.pagination import paginate
from headstrt.messaging import selectors, services
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.calendar import calendar_feed_url

router = Router(tags=["Notifications"])
calendar_feed_router = Router(tags=["Me"])


class PageQuery(Schema):
    page: int = 1
    size: int = 20


class NotificationOut(Schema):
    id: str = Field(alias="public_id")
    kind: str = Field(description="A stable dotted name, e.g. booking.confirmed.")
    title: str
    body: str
    url: str = Field(
        description="Path on the web app it is about, e.g. /sessions/…/; may be empty."
    )
    created_at: datetime
    read_at: datetime | None
    read: bool = Field(alias="is_read")


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    page: int
    size: int
    total: int
    pages: int
    unread: int = Field(description="How many of all your notifications are unread.")


class MarkedOut(Schema):
    marked: int = Field(description="How many notifications this call marked read.")


class CalendarFeedOut(Schema):
    url: str = Field(description="The feed's secret address. It is shown once and never again.")


@router.get("", response=NotificationPageOut)
def notification_list(request: HttpRequest, query: Query[PageQuery]):
    """Your notifications, newest first, with the number still unread."""
    page = paginate(
        selectors.notifications_for_user(user=request.auth), page=query.page, size=query.size
    )
    return {
        "items": page.items,
        "page": page.number,
        "size": page.size,
        "total": page.total,
        "pages": page.pages,
        "unread": selectors.unread_notification_count(user=request.auth),
    }


@router.post("/read", response=MarkedOut)
def notifications_read(request: HttpRequest):
    """Mark all your notifications read."""
    return {"marked": services.notifications_mark_read(user=request.auth)}


@router.post("/{slug:notification_id}/read", response=NotificationOut)
def notification_read(request: HttpRequest, notification_id: str):
    """Mark one of your notifications read (reading it again changes nothing)."""
    services.notifications_mark_read(user=request.auth, notification_id=notification_id)
    return selectors.notification_get_for_recipient(
        notification_id=notification_id, user=request.auth
    )


@calendar_feed_router.post("", response={201: CalendarFeedOut})
@decorate_view(never_cache)
def calendar_feed_create(request: HttpRequest):
    """A new secret address of your calendar feed, for calendar apps to subscribe to; the
    previous address stops working."""
    token = scheduling.calendar_feed_create(user=request.auth)
    return {"url": calendar_feed_url(token)}


@calendar_feed_router.delete("", response={204: None})
def calendar_feed_delete(request: HttpRequest):
    """Stop your calendar feed: its address answers 404 from now on."""
    scheduling.calendar_feed_revoke(user=request.auth)
