"""Property: every slot the platform offers can be booked, and a booking clears its time.

Mentors in zones with DST, half- and three-quarter-hour offsets and a 30-minute DST shift,
around their clock changes, with random weekly rules, exceptions and policies. Each example
books a few offered slots one after the other (as different mentees) and checks that each
booking is exactly the slot offered and that no slot offered afterwards, of any length,
comes within the buffer of a booking.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from headstrt.core import clock
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus, Confirmation
from headstrt.scheduling.selectors import mentor_free_slots
from tests.factories import MentorProfileFactory, UserFactory
from tests.scheduling.sessions import GOOD_CARD
from tests.scheduling.test_slots import TRANSITIONS, ZONES

# Slots are searched over this span from "now", which always covers a clock change.
WINDOW = timedelta(days=4)


def clock_time(minutes: int) -> time:
    """A wall-clock time from minutes since midnight; 1440 is the midnight ending the day."""
    return time((minutes // 60) % 24, minutes % 60)


@st.composite
def day_ranges(draw, *, min_ranges: int):
    """Non-overlapping wall-clock ranges of one day on a 15-minute grid (0 to 3 of them)."""
    points = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * min_ranges, max_size=6)))
    return [
        (clock_time(points[i] * 15), clock_time(points[i + 1] * 15))
        for i in range(0, len(points) - 1, 2)
    ]


@st.composite
def mentors(draw):
    """A mentor's zone, rules, one date exception, offers and policy, and a "now" shortly
    before one of the zone's clock changes."""
    zone = draw(st.sampled_from(ZONES))
    change_day = draw(st.sampled_from(TRANSITIONS[zone]))
    rules = [
        (weekday, low, high) for weekday in range(7) for low, high in draw(day_ranges(min_ranges=1))
    ]
    exception = None
    if draw(st.booleans()):
        exception_day = change_day + timedelta(days=draw(st.integers(-1, 1)))
        exception = (exception_day, draw(day_ranges(min_ranges=0)))  # none: time off
    offers = draw(st.sets(st.sampled_from([15, 30, 45, 60]), min_size=1))
    policy = {
        "buffer_minutes": draw(st.sampled_from([0, 5, 10, 15, 30])),
        "minimum_notice_minutes": draw(st.sampled_from([0, 45, 120, 24 * 60])),
        "horizon_days": draw(st.sampled_from([1, 2, 3, 30])),
        "max_sessions_per_day": draw(st.sampled_from([1, 2, 4, 24])),
        "max_sessions_per_week": draw(st.sampled_from([None, 2, 6])),
        "confirmation": draw(st.sampled_from(Confirmation.values)),
    }
    now = (
        datetime.combine(change_day, time(), UTC)
        - timedelta(hours=draw(st.integers(0, 60)))
        + timedelta(seconds=draw(st.integers(0, 3599)))
    )
    return {
        "zone": zone,
        "rules": rules,
        "exception": exception,
        "offers": sorted(offers),
        "policy": policy,
        "now": now,
    }


def create_mentor(scenario):
    mentor = MentorProfileFactory(
        user__time_zone=scenario["zone"],
        offers={minutes: 1000 * minutes for minutes in scenario["offers"]},
    )
    services.availability_set(user=mentor.user, rules=scenario["rules"])
    if scenario["exception"] is not None:
        day, ranges = scenario["exception"]
        services.availability_exception_set(user=mentor.user, day=day, ranges=ranges)
    services.scheduling_policy_save(user=mentor.user, **scenario["policy"])
    return mentor


class TestEveryOfferedSlotCanBeBooked(TestCase):
    """Hypothesis' Django ``TestCase`` rolls the database back after every example."""

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenario=mentors(), data=st.data())
    def test_book_offered_slots_one_after_another(self, scenario, data):
        now = scenario["now"]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: now)
            mentor = create_mentor(scenario)
            window = {"start": now, "end": now + WINDOW, "now": now}
            buffer = timedelta(minutes=scenario["policy"]["buffer_minutes"])
            expected_status = (
                BookingStatus.REQUESTED
                if scenario["policy"]["confirmation"] == Confirmation.REQUEST
                else BookingStatus.CONFIRMED
            )
            booked = []
            for _ in range(data.draw(st.integers(1, 4), label="bookings")):
                minutes = data.draw(st.sampled_from(scenario["offers"]), label="minutes")
                offered = mentor_free_slots(mentor=mentor, minutes=minutes, **window)
                if not offered:
                    break
                slot = data.draw(st.sampled_from(offered), label="slot")
                booking = services.booking_create(
                    mentee=UserFactory(),
                    mentor_id=mentor.user.public_id,
                    start=slot.start,
                    minutes=minutes,
                    objective="Prepare my talk",
                    source=GOOD_CARD,
                )
                booking.refresh_from_db()
                assert (booking.start, booking.end, booking.minutes) == (
                    slot.start,
                    slot.end,
                    minutes,
                )
                assert booking.status == expected_status
                booked.append(booking)

                for length in scenario["offers"]:
                    remaining = mentor_free_slots(mentor=mentor, minutes=length, **window)
                    if length == minutes:
                        assert set(remaining) <= set(offered) - {slot}
                    for later in remaining:
                        for earlier in booked:
                            assert (
                                later.end + buffer <= earlier.start
                                or later.start >= earlier.end + buffer
                            ), (later, earlier)
            note(f"booked {[(b.start.isoformat(), b.minutes) for b in booked]}")
            event("bookings made", len(booked))
            occupying = Booking.objects.filter(mentor=mentor, status=expected_status)
            assert occupying.count() == len(booked)
