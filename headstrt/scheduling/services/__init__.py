"""Scheduling services: availability and policy, the life of a booking, calendar feeds."""

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
]
