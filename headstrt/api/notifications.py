"""A person's notifications (list, mark read), which of them are emailed, and their private
calendar feed address."""

from datetime import datetime

from django.http import HttpRequest
from django.views.decorators.cache import never_cache
from ninja import Body, Field, Query, Router, Schema
from ninja.decorators import decorate_view
from pydantic import StrictBool

from headstrt.core.pagination import paginate
from headstrt.messaging import selectors, services
from headstrt.messaging.preferences import (
    CATEGORIES,
    EMAIL_BY_DEFAULT,
    EmailChoice,
    email_choices,
    email_preferences_set,
)
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


class EmailPreferenceOut(Schema):
    category: str = Field(description="The part of a notification's kind before the dot.")
    label: str
    description: str
    email: bool = Field(description="Whether notifications of this category are emailed too.")
    always: bool = Field(description="Always emailed; cannot be turned off.")

    @staticmethod
    def of(choice: EmailChoice) -> dict:
        category = choice.category
        return {
            "category": category.key,
            "label": category.label,
            "description": category.description,
            "email": choice.email,
            "always": category.always,
        }


EMAIL_CHOICES = Body(
    ...,
    description="Categories mapped to true (email on) or false (email off), e.g. "
    '`{"message": false}`.',
)


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


@router.get("/preferences", response=list[EmailPreferenceOut])
def email_preferences(request: HttpRequest):
    """Each category of notification and whether it is emailed to you. Every notification is
    kept in the app whatever you choose."""
    return [EmailPreferenceOut.of(choice) for choice in email_choices(user=request.auth)]


@router.patch("/preferences", response=list[EmailPreferenceOut])
def email_preferences_change(request: HttpRequest, choices: dict[str, StrictBool] = EMAIL_CHOICES):
    """Turn email on or off for the categories named; the others stay as they are. An
    unknown category, or turning off one that is always emailed, answers 422 naming it and
    changes nothing."""
    changed = email_preferences_set(user=request.auth, choices=choices)
    return [EmailPreferenceOut.of(choice) for choice in changed]


@router.put("/preferences", response=list[EmailPreferenceOut])
def email_preferences_replace(request: HttpRequest, choices: dict[str, StrictBool] = EMAIL_CHOICES):
    """Set every category: those not named go back to the default (email on)."""
    complete = dict.fromkeys((category.key for category in CATEGORIES), EMAIL_BY_DEFAULT)
    changed = email_preferences_set(user=request.auth, choices=complete | choices)
    return [EmailPreferenceOut.of(choice) for choice in changed]


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
