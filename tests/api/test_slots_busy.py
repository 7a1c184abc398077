"""A mentor's free slots, read in one statement, keep clear every booking that takes their
time, and change at once when one is made, held or lapses; cancelled, lapsed and far-off
bookings, days off and ranged exceptions read as the ORM's reads have them."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from headstrt.accounts.models import MentorProfile
from headstrt.core.errors import NotFound
from headstrt.scheduling.models import (
    AvailabilityException,
    Booking,
    BookingStatus,
    SchedulingPolicy,
)
from headstrt.scheduling.selectors import (
    busy_intervals,
    mentor_free_slots,
    mentor_get_for_slots,
    mentor_slots,
    slot_reads_of_mentors,
)
from headstrt.scheduling.slots import mentor_availability
from tests.clock import frozen_at
from tests.factories import UserFactory
from tests.matching.track_record import session_row
from tests.scheduling.gatherings import group_offer, seat_book
from tests.scheduling.sessions import NOW, TUESDAY_9, book, hold, paris_mentor, tokyo_mentee

pytestmark = pytest.mark.django_db

frozen = frozen_at(NOW)
WINDOW = {"start": NOW, "end": NOW + timedelta(days=7)}


def starts(anonymous, mentor) -> list[str]:
    response = anonymous.get(f"/mentors/{mentor.user.public_id}/slots", {"minutes": 30})
    assert response.status_code == 200, response.content
    return [slot["start"] for slot in response.json()["slots"]]


def test_the_one_statement_reads_the_busy_time_busy_intervals_reads(frozen):
    mentor = paris_mentor()
    book(mentor, tokyo_mentee())  # a session
    hold(mentor, UserFactory(), start=TUESDAY_9 + timedelta(hours=1))  # a live hold
    other = paris_mentor(name="Otto Other", email="otto@example.org")
    book(other, mentor.user, start=TUESDAY_9 + timedelta(hours=2))  # the mentor as mentee
    group = group_offer(mentor)
    seat_book(group)  # a seat: the mentor's time is the group's
    ana = paris_mentor(name="Ana", email="ana@example.org")
    book(ana, UserFactory())  # not theirs

    reads = slot_reads_of_mentors(mentors=[mentor], since=NOW.date(), now=NOW, **WINDOW)
    _, busy = reads[mentor.pk]
    # Read together, each mentor gets their own busy time: the session between two of them
    # counts for both, as mentor and as mentee.
    together = slot_reads_of_mentors(
        mentors=[mentor, other, ana], since=NOW.date(), now=NOW, **WINDOW
    )

    def expected(person):
        return busy_intervals(
            user=person.user,
            start=NOW - timedelta(days=8),
            end=WINDOW["end"] + timedelta(days=8),
            now=NOW,
        )

    assert len(busy) == 4
    assert sorted(busy) == sorted(expected(mentor))
    for person in (mentor, other, ana):
        assert sorted(together[person.pk][1]) == sorted(expected(person))
        assert together[person.pk][0] == mentor_availability(person)
    assert len(together[other.pk][1]) == 1


def test_a_hold_takes_its_slot_at_once_and_gives_it_back_when_it_lapses(anonymous, frozen):
    mentor = paris_mentor()
    free = starts(anonymous, mentor)
    taken = hold(mentor, tokyo_mentee())
    held = taken.start.strftime("%Y-%m-%dT%H:%M:%SZ")

    during = starts(anonymous, mentor)
    frozen.set(taken.held_until)
    after = starts(anonymous, mentor)

    assert held in free and held not in during
    assert len(during) < len(free) - 1  # the buffer keeps the next slot clear too
    assert held in after


# What keeps time busy, and what does not: the one statement against the ORM's reads.

EXACT_NOW = NOW.replace(microsecond=123456)  # the moment of the request, to the microsecond


def booking(mentor, mentee, start, status, **extra) -> Booking:
    row = session_row(mentor, start, mentee=mentee, status=status, **extra)
    row.save()
    return row


def test_cancelled_lapsed_and_out_of_window_bookings_leave_the_time_free():
    mentor = paris_mentor()
    other = paris_mentor(name="Otto Other", email="otto@example.org")
    mentee = UserFactory()
    busy_starts = [
        # A live hold (a microsecond left), a request with no deadline, a session starting
        # off the second, the mentor's own session as a mentee, one at the window's edge.
        booking(
            mentor,
            mentee,
            TUESDAY_9 + timedelta(hours=2),
            BookingStatus.HELD,
            held_until=EXACT_NOW + timedelta(microseconds=1),
        ).start,
        booking(
            mentor, mentee, TUESDAY_9 + timedelta(hours=4), BookingStatus.REQUESTED, respond_by=None
        ).start,
        booking(
            mentor, mentee, TUESDAY_9 + timedelta(hours=5, microseconds=5), BookingStatus.CONFIRMED
        ).start,
        booking(other, mentor.user, TUESDAY_9 + timedelta(hours=6), BookingStatus.COMPLETED).start,
        booking(mentor, mentee, NOW - timedelta(days=8, hours=1), BookingStatus.CONFIRMED).start,
    ]
    booking(mentor, mentee, TUESDAY_9, BookingStatus.CANCELLED)
    # A hold lapsing exactly now, a request past its deadline, a session out of the window.
    booking(
        mentor, mentee, TUESDAY_9 + timedelta(hours=1), BookingStatus.HELD, held_until=EXACT_NOW
    )
    booking(
        mentor,
        mentee,
        TUESDAY_9 + timedelta(hours=3),
        BookingStatus.REQUESTED,
        respond_by=EXACT_NOW - timedelta(seconds=1),
    )
    booking(mentor, mentee, NOW - timedelta(days=8, hours=3), BookingStatus.CONFIRMED)
    end = NOW + timedelta(days=14)

    found = mentor_get_for_slots(public_id=mentor.user.public_id)
    _, busy = slot_reads_of_mentors(
        mentors=[found], since=NOW.date(), start=EXACT_NOW, end=end, now=EXACT_NOW
    )[mentor.pk]

    assert sorted(start for start, _ in busy) == sorted(busy_starts)
    assert all(start.tzinfo is not None and stop.tzinfo is not None for start, stop in busy)
    assert sorted(busy) == sorted(
        busy_intervals(
            user=mentor.user,
            start=EXACT_NOW - timedelta(days=8),
            end=end + timedelta(days=8),
            now=EXACT_NOW,
        )
    )


def test_a_day_off_and_a_ranged_exception_shape_the_slots_as_the_orm_reads_them():
    mentor = paris_mentor()
    SchedulingPolicy.objects.create(mentor=mentor, buffer_minutes=15, max_sessions_per_week=3)
    booking(mentor, UserFactory(), TUESDAY_9, BookingStatus.CONFIRMED)
    AvailabilityException.objects.create(mentor=mentor, date=date(2030, 3, 12))  # a Tuesday
    AvailabilityException.objects.create(
        mentor=mentor, date=date(2030, 3, 13), start=time(10), end=time(11, 30)
    )
    # Before the dates the slots read: left out of the statement, harmless to the ORM.
    AvailabilityException.objects.create(
        mentor=mentor, date=date(2030, 3, 1), start=time(10), end=time(11)
    )
    found = mentor_get_for_slots(public_id=mentor.user.public_id)
    start, end = EXACT_NOW, NOW + timedelta(days=14)
    since = start.date() - timedelta(days=2)

    availability, _ = slot_reads_of_mentors(
        mentors=[found], since=since, start=start, end=end, now=start
    )[mentor.pk]
    slots = mentor_slots(mentor=found, minutes=30, start=start, end=end, now=start)

    orm = mentor_availability(MentorProfile.objects.get(pk=mentor.pk))
    assert availability == replace(
        orm, overrides={day: hours for day, hours in orm.overrides.items() if day >= since}
    )
    assert date(2030, 3, 1) not in availability.overrides
    assert slots == mentor_free_slots(
        mentor=MentorProfile.objects.get(pk=mentor.pk), minutes=30, start=start, end=end, now=start
    )
    # Tuesday 5 March from 10:00 in Paris (the 09:00 session and its buffer before), nothing
    # on Tuesday 12 (a day off), Wednesday 13 from 10:00 to 11:30 only.
    assert [slot.start for slot in slots] == [
        datetime(2030, 3, 5, 9, 0, tzinfo=UTC),
        datetime(2030, 3, 5, 9, 30, tzinfo=UTC),
        datetime(2030, 3, 5, 10, 0, tzinfo=UTC),
        datetime(2030, 3, 5, 10, 30, tzinfo=UTC),
        datetime(2030, 3, 13, 9, 0, tzinfo=UTC),
        datetime(2030, 3, 13, 9, 30, tzinfo=UTC),
        datetime(2030, 3, 13, 10, 0, tzinfo=UTC),
    ]


def test_a_mentor_without_a_policy_row_and_mentors_not_listed():
    mentor = paris_mentor()
    found = mentor_get_for_slots(public_id=mentor.user.public_id)

    with pytest.raises(SchedulingPolicy.DoesNotExist):
        found.scheduling_policy  # noqa: B018 (reading it is the point)
    assert mentor_slots(mentor=found, minutes=30, start=NOW, end=NOW + timedelta(days=7), now=NOW)
    MentorProfile.objects.filter(pk=mentor.pk).update(is_active=False)
    for public_id in (mentor.user.public_id, "x' OR '1'='1"):
        with pytest.raises(NotFound):
            mentor_get_for_slots(public_id=public_id)
