"""Scheduling services: availability and policy, the life of a booking, panels, group
sessions, calendar feeds."""

from headstrt.scheduling.services.availability import (
    availability_exception_remove,
    availability_exception_set,
    availability_set,
    scheduling_policy_save,
)
from headstrt.scheduling.services.bookings import (
    booking_accept,
    booking_cancel,
    booking_checkout,
    booking_complete,
    booking_create,
    booking_decline,
    booking_hold,
    booking_join,
    booking_report_no_show,
    booking_reschedule,
    bookings_cancel_on_departure,
    bookings_expire_lapsed,
)
from headstrt.scheduling.services.calendar_feeds import (
    calendar_feed_create,
    calendar_feed_revoke,
)
from headstrt.scheduling.services.groups import (
    group_seat_create,
    group_seat_hold,
    group_session_cancel,
    group_session_offer,
)
from headstrt.scheduling.services.panels import (
    panel_cancel,
    panel_checkout,
    panel_checkout_finish,
    panel_checkout_start,
    panel_create,
    panel_hold,
    panel_hold_until,
)

__all__ = [
    "availability_exception_remove",
    "availability_exception_set",
    "availability_set",
    "scheduling_policy_save",
    "booking_accept",
    "booking_cancel",
    "booking_checkout",
    "booking_complete",
    "booking_create",
    "booking_decline",
    "booking_hold",
    "booking_join",
    "booking_report_no_show",
    "booking_reschedule",
    "bookings_cancel_on_departure",
    "bookings_expire_lapsed",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "group_seat_create",
    "group_seat_hold",
    "group_session_cancel",
    "group_session_offer",
    "panel_cancel",
    "panel_checkout",
    "panel_checkout_finish",
    "panel_checkout_start",
    "panel_create",
    "panel_hold",
    "panel_hold_until",
]
