"""Free slots: wall-clock rules in the mentor's zone, DST days, odd offsets, buffers, limits."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headstrt.core.errors import DomainError
from headstrt.scheduling import services
from headstrt.scheduling.selectors import mentor_next_free_slot
from headstrt.scheduling.slots import (
    Availability,
    Slot,
    free_slots,
    slot_in_zone,
    slots_compute,
)
from tests.factories import MentorProfileFactory

H = 60  # minutes in an hour, for readable ranges


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def every_day(zone, *ranges, **policy):
    """Availability with the same ``ranges`` (in minutes) every day, and no limits unless given."""
    policy = {"buffer_minutes": 0, "minimum_notice_minutes": 0, "horizon_days": 365} | policy
    return Availability(zone=zone, weekly=dict.fromkeys(range(7), tuple(ranges)), **policy)


def local_day_slots(availability, day, minutes=30, busy=()):
    """Slots on one local date of the mentor's zone, as (HH:MM, UTC offset) strings."""
    zone = ZoneInfo(availability.zone)
    start = datetime.combine(day, time(), zone) - timedelta(hours=2)
    slots = slots_compute(
        availability,
        minutes=minutes,
        start=start,
        end=start + timedelta(hours=28),
        now=start - timedelta(days=1),
        busy=busy,
    )
    return [
        f"{slot.start.astimezone(zone):%H:%M%z}"
        for slot in slots
        if slot.start.astimezone(zone).date() == day
    ]


def test_a_normal_day_is_cut_into_session_lengths():
    availability = every_day("Europe/Paris", (9 * H, 11 * H), (14 * H, 15 * H))
    assert local_day_slots(availability, date(2025, 6, 2)) == [
        "09:00+0200",
        "09:30+0200",
        "10:00+0200",
        "10:30+0200",
        "14:00+0200",
        "14:30+0200",
    ]
    assert local_day_slots(availability, date(2025, 6, 2), minutes=45) == [
        "09:00+0200",
        "09:45+0200",
        "14:00+0200",
    ]


def test_only_offered_lengths():
    availability = every_day("UTC", (9 * H, 11 * H), offered_minutes=frozenset({30}))
    with pytest.raises(DomainError) as caught:
        local_day_slots(availability, date(2025, 6, 2), minutes=45)
    assert caught.value.code == "length_not_offered"


def test_busy_intervals_and_their_buffer_are_kept_free():
    availability = every_day("UTC", (9 * H, 13 * H), buffer_minutes=10)
    busy = [(utc(2025, 6, 2, 10, 0), utc(2025, 6, 2, 10, 30))]
    # 09:30 would end at 10:00, inside the buffer before; 10:30 starts inside the one after.
    assert local_day_slots(availability, date(2025, 6, 2), busy=busy) == [
        "09:00+0000",
        "11:00+0000",
        "11:30+0000",
        "12:00+0000",
        "12:30+0000",
    ]


def test_daily_cap_counts_busy_intervals():
    availability = every_day("UTC", (9 * H, 13 * H), max_sessions_per_day=1)
    busy = [(utc(2025, 6, 2, 9, 0), utc(2025, 6, 2, 9, 30))]
    assert local_day_slots(availability, date(2025, 6, 2), busy=busy) == []
    assert len(local_day_slots(availability, date(2025, 6, 3), busy=busy)) == 8


def test_minimum_notice_and_horizon():
    availability = every_day("UTC", (9 * H, 12 * H), minimum_notice_minutes=90, horizon_days=2)
    now = utc(2025, 6, 2, 8, 45)
    slots = slots_compute(
        availability, minutes=60, start=now, end=now + timedelta(days=10), now=now
    )
    assert [slot.start for slot in slots] == [
        utc(2025, 6, 2, 11),  # 09:00 and 10:00 start within 90 minutes of now
        utc(2025, 6, 3, 9),
        utc(2025, 6, 3, 10),
        utc(2025, 6, 3, 11),
    ]


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        # Spring forward: 02:00-03:00 does not exist; 01:00-04:00 has two real hours.
        (
            "Europe/Paris",
            date(2025, 3, 30),
            ["01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"],
        ),
        (
            "America/New_York",
            date(2025, 3, 9),
            ["01:00-0500", "01:30-0500", "03:00-0400", "03:30-0400"],
        ),
        # Fall back: the repeated hour is offered once, on its first pass.
        (
            "Europe/Paris",
            date(2025, 10, 26),
            ["01:00+0200", "01:30+0200", "02:00+0200", "02:30+0200", "03:00+0100", "03:30+0100"],
        ),
        (
            "America/New_York",
            date(2025, 11, 2),
            ["01:00-0400", "01:30-0400", "02:00-0500", "02:30-0500", "03:00-0500", "03:30-0500"],
        ),
        (
            "Asia/Kolkata",
            date(2025, 3, 30),
            ["01:00+0530", "01:30+0530", "02:00+0530", "02:30+0530", "03:00+0530", "03:30+0530"],
        ),
        (
            "Asia/Kathmandu",
            date(2025, 3, 30),
            ["01:00+0545", "01:30+0545", "02:00+0545", "02:30+0545", "03:00+0545", "03:30+0545"],
        ),
        # Lord Howe moves by 30 minutes: 02:00-02:30 is skipped in October, repeated in April.
        (
            "Australia/Lord_Howe",
            date(2025, 10, 5),
            ["01:00+1030", "01:30+1030", "02:30+1100", "03:00+1100", "03:30+1100"],
        ),
        (
            "Australia/Lord_Howe",
            date(2025, 4, 6),
            ["01:00+1100", "01:30+1100", "02:00+1030", "02:30+1030", "03:00+1030", "03:30+1030"],
        ),
    ],
)
def test_transition_days(zone, day, expected):
    assert local_day_slots(every_day(zone, (1 * H, 4 * H)), day) == expected


def test_a_range_inside_a_spring_forward_gap_is_skipped():
    availability = every_day("America/New_York", (2 * H, 3 * H))
    assert local_day_slots(availability, date(2025, 3, 9)) == []
    assert local_day_slots(availability, date(2025, 3, 10)) == ["02:00-0400", "02:30-0400"]


def test_slots_in_the_viewers_zone():
    slot = Slot(utc(2025, 6, 2, 9), utc(2025, 6, 2, 9, 30))
    local = slot_in_zone(slot, "Asia/Kathmandu")
    assert f"{local.start:%H:%M}–{local.end:%H:%M}" == "14:45–15:15"
    with pytest.raises(DomainError):
        slot_in_zone(slot, "Mars/Olympus_Mons")


@pytest.mark.django_db
def test_free_slots_read_the_mentors_rules_exceptions_and_policy():
    mentor = MentorProfileFactory(user__time_zone="Asia/Kolkata", offers={30: 0, 60: 1000})
    services.availability_set(user=mentor.user, rules=[(0, time(9), time(11))])
    services.scheduling_policy_save(user=mentor.user, minimum_notice_minutes=0, buffer_minutes=0)
    monday, next_monday = date(2025, 6, 2), date(2025, 6, 9)
    services.availability_exception_set(user=mentor.user, day=monday, ranges=[(time(18), time(19))])
    services.availability_exception_set(user=mentor.user, day=next_monday)
    now = utc(2025, 6, 1)
    slots = free_slots(mentor=mentor, minutes=60, start=now, end=now + timedelta(days=14), now=now)
    assert [slot.start for slot in slots] == [utc(2025, 6, 2, 12, 30)]  # 18:00 IST
    assert mentor_next_free_slot(mentor=mentor, now=now) == utc(2025, 6, 2, 12, 30)
    assert mentor_next_free_slot(mentor=mentor, now=utc(2025, 6, 3)) == utc(2025, 6, 16, 3, 30)


@pytest.mark.django_db
def test_next_free_slot_without_availability():
    mentor = MentorProfileFactory()
    assert mentor_next_free_slot(mentor=mentor, now=utc(2025, 6, 1)) is None


# --- property: every slot lies in the mentor's wall-clock ranges -----------------------------

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Santiago",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Africa/Casablanca",
]


def transition_days(zone_name):
    """Local dates in 2024-2026 on which the zone's UTC offset changes."""
    zone = ZoneInfo(zone_name)
    days = []
    day = date(2024, 1, 1)
    while day < date(2027, 1, 1):
        before = datetime.combine(day, time(), zone).utcoffset()
        after = datetime.combine(day + timedelta(days=1), time(), zone).utcoffset()
        if before != after:
            days.append(day)
        day += timedelta(days=1)
    return days or [date(2025, 3, 30)]


TRANSITIONS = {zone: transition_days(zone) for zone in ZONES}


@st.composite
def day_ranges(draw):
    """Up to three non-overlapping ranges on a 15-minute grid (an end of 1440 is midnight)."""
    points = sorted(draw(st.sets(st.integers(0, 96), min_size=0, max_size=6)))
    points = points[: len(points) // 2 * 2]
    return tuple((points[i] * 15, points[i + 1] * 15) for i in range(0, len(points), 2))


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(TRANSITIONS[zone])) + timedelta(days=draw(st.integers(-2, 2)))
    weekly = {weekday: draw(day_ranges()) for weekday in range(7)}
    buffer = draw(st.sampled_from([0, 5, 15]))
    minutes = draw(st.sampled_from([15, 30, 45, 60]))
    start = datetime.combine(day, time(), UTC) - timedelta(hours=draw(st.integers(0, 24)))
    busy = []
    for _ in range(draw(st.integers(0, 4))):
        busy_start = start + timedelta(minutes=draw(st.integers(0, 72 * 4)) * 15)
        busy.append(
            (busy_start, busy_start + timedelta(minutes=draw(st.sampled_from([15, 30, 60]))))
        )
    availability = Availability(
        zone=zone, weekly=weekly, buffer_minutes=buffer, minimum_notice_minutes=0, horizon_days=30
    )
    return availability, minutes, start, busy


def in_ranges(availability, moment):
    """Whether ``moment`` is a first-pass instant inside one of its local date's ranges."""
    local = moment.astimezone(ZoneInfo(availability.zone))
    if local.fold:
        return False
    minute = local.hour * 60 + local.minute + local.second / 60
    return any(low <= minute < high for low, high in availability.ranges_on(local.date()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_slot_lies_in_the_rules_and_clear_of_busy_time(scenario):
    availability, minutes, start, busy = scenario
    end = start + timedelta(hours=72)
    slots = slots_compute(availability, minutes=minutes, start=start, end=end, now=start, busy=busy)
    assert slots == sorted(slots)
    buffer = timedelta(minutes=availability.buffer_minutes)
    for slot in slots:
        assert slot.start.tzinfo is not None and start <= slot.start and slot.end <= end
        assert slot.end - slot.start == timedelta(minutes=minutes)
        # Every minute of the slot, including the last, is available wall-clock time.
        for offset in [*range(0, minutes, 5), minutes - 1 / 60]:
            assert in_ranges(availability, slot.start + timedelta(minutes=offset)), slot
        for busy_start, busy_end in busy:
            assert slot.end <= busy_start - buffer or slot.start >= busy_end + buffer
    for earlier, later in zip(slots, slots[1:], strict=False):
        assert earlier.end <= later.start
