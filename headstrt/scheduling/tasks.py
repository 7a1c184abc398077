"""Background tasks of scheduling: session reminders and the deadline of unanswered requests.

Tasks are scheduled for a time (``run_after``) and run by the worker (``headstrt worker``).
Each one is safe to run twice or late: it checks again that what it is about still holds.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django_tasks import task

from headstrt.core import clock
from headstrt.scheduling import notices, services
from headstrt.scheduling.models import Booking, BookingReminder, BookingStatus, ReminderKind

logger = logging.getLogger(__name__)

REMINDER_LEADS = {
    ReminderKind.DAY_BEFORE: timedelta(hours=24),
    ReminderKind.QUARTER_HOUR_BEFORE: timedelta(minutes=15),
}


@task()
def booking_reminder_send(booking_id: str, kind: str, start_iso: str) -> bool:
    """Remind both participants of a session starting at ``start_iso``; whether it did.

    Nothing is sent when the session moved to another time (its new reminders are
    scheduled then), is no longer confirmed, has already started, or was reminded of
    already.
    """
    kind = ReminderKind(kind)
    start = datetime.fromisoformat(start_iso)
    now = clock.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_related("mentor__user", "mentee")
            .filter(public_id=booking_id, status=BookingStatus.CONFIRMED, start=start)
            .first()
        )
        if booking is None or booking.start <= now:
            return False
        # The unique row decides: of two runs at once, one creates it and the other waits,
        # then finds it.
        _, created = BookingReminder.objects.get_or_create(
            booking=booking, kind=kind, start=start, defaults={"sent_at": now}
        )
        if created:
            notices.booking_reminded(booking, kind)
    return created


@task()
def requests_expire() -> int:
    """Expire the requests whose response window has passed, telling their mentees."""
    return services.bookings_expire_lapsed()


def reminders_schedule(booking: Booking) -> None:
    """Schedule the 24-hour and 15-minute reminders of a confirmed session; a reminder
    whose time has already come when the session is booked is left out."""
    now = clock.now()
    start = booking.start.astimezone(UTC)
    for kind, lead in REMINDER_LEADS.items():
        if start - lead > now:
            _enqueue(
                booking_reminder_send.using(run_after=start - lead),
                booking.public_id,
                kind.value,
                start.isoformat(),
            )


def request_expiry_schedule(booking: Booking) -> None:
    """Schedule the expiry of a request at the end of its response window."""
    _enqueue(requests_expire.using(run_after=booking.respond_by))


def _enqueue(task, *args) -> None:
    # Called once the booking is committed: a queue that cannot be reached (Redis down) must
    # not turn the booking into an error. The housekeeping sweep expires lapsed requests
    # anyway; a lost reminder is logged for the operator.
    try:
        task.enqueue(*args)
    except Exception:
        logger.exception("could not enqueue %s%r", task.name, args)
