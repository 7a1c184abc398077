"""Outcomes and lapses written straight to the database, for tests of rates, growth and
reliability that need many of them quickly (the services are tested on their own)."""

from datetime import timedelta

from headstrt.core import clock
from headstrt.reviews.models import Outcome
from headstrt.scheduling.models import Booking, BookingStatus, ReliabilityEvent
from tests.factories import UserFactory
from tests.scheduling.sessions import TUESDAY_9

_made = {"count": 0}


def done_booking(mentor, mentee=None, *, start=None, objective="Ask for 15% more", **fields):
    """A completed 30-minute booking, an hour after the previous one made here, so no two
    overlap (PostgreSQL's exclusion constraints check that)."""
    _made["count"] += 1
    start = start or TUESDAY_9 - timedelta(days=60) + timedelta(hours=_made["count"])
    return Booking.objects.create(
        mentor=mentor,
        mentee=mentee or UserFactory(),
        start=start,
        end=start + timedelta(minutes=30),
        minutes=30,
        price_minor=0,
        currency="EUR",
        objective=objective,
        status=BookingStatus.COMPLETED,
        confirmed_at=start - timedelta(days=1),
        **fields,
    )


def answered_outcome(mentor, *, result="", held="", topic=None, mentee=None) -> Outcome:
    """A done session of ``mentor`` whose mentee answered ``result`` (and ``held``)."""
    booking = done_booking(mentor, mentee)
    now = clock.now()
    return Outcome.objects.create(
        booking=booking,
        mentor=mentor,
        mentee=booking.mentee,
        topic=topic,
        result=result,
        result_at=now if result else None,
        held=held,
        held_at=now if held else None,
        follow_up_at=booking.end + timedelta(days=30),
        created_at=now,
    )


def lapse(person, booking, kind, *, ago=timedelta(0)) -> ReliabilityEvent:
    """A recorded lapse of ``person`` in ``booking``, ``ago`` before now."""
    return ReliabilityEvent.objects.create(
        person=person,
        booking=booking,
        party=booking.party_of(person),
        kind=kind,
        created_at=clock.now() - ago,
    )
