"""Common slots of a panel across time zones (quarter- and half-hour offsets, clock changes on
different dates) and the nearest options when there are none; plus the property that every
common slot can be held, for every mentor at once."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from headstrt.core import clock
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from headstrt.scheduling.panel_slots import panel_common_slots, panel_nearest_options
from headstrt.scheduling.selectors import mentor_free_slots
from headstrt.scheduling.slots import Slot
from tests.factories import UserFactory
from tests.scheduling.gatherings import ids, panelists, zoned_mentor
from tests.scheduling.sessions import NOW, TUESDAY_9, book

pytestmark = pytest.mark.django_db

TUESDAY = {"start": NOW, "end": NOW + timedelta(days=2), "now": NOW}


def starts(slots: list[Slot]) -> list[str]:
    return [f"{slot.start:%d %H:%M}" for slot in slots]


def test_four_zones_share_the_same_utc_morning(frozen):
    mentors = panelists(4)

    slots = panel_common_slots(mentors=mentors, minutes=30, **TUESDAY)

    assert starts(slots) == ["05 08:00", "05 08:30", "05 09:00", "05 09:30", "05 10:00", "05 10:30"]
    assert all(slot.minutes == 30 for slot in slots)
    assert starts(panel_common_slots(mentors=mentors, minutes=60, **TUESDAY)) == [
        "05 08:00",
        "05 09:00",
        "05 10:00",
    ]


def test_a_quarter_hour_zone_shares_only_the_lengths_its_grid_has_in_common(frozen):
    paris = zoned_mentor("Europe/Paris", offers={15: 0, 30: 0})
    # 14:00–17:00 in Kathmandu is 08:15–11:15 UTC: its half hours fall on :15 and :45.
    kathmandu = zoned_mentor("Asia/Kathmandu", (time(14), time(17)), offers={15: 0, 30: 0})

    assert panel_common_slots(mentors=[paris, kathmandu], minutes=30, **TUESDAY) == []
    fifteen = panel_common_slots(mentors=[paris, kathmandu], minutes=15, **TUESDAY)
    assert starts(fifteen)[:2] == ["05 08:15", "05 08:30"] and starts(fifteen)[-1] == "05 10:45"
    options = panel_nearest_options(mentors=[paris, kathmandu], minutes=30, now=NOW)
    assert options.earliest is None
    assert [(minutes, f"{slot.start:%H:%M}") for minutes, slot in options.other_lengths] == [
        (15, "08:15")
    ]
    assert options.describe("Asia/Kathmandu") == (
        "For 15 minutes: Tuesday 5 March 2030, 14:00 (Asia/Kathmandu). "
        "Without Nia Negotiator: Tuesday 5 March 2030, 14:00 (Asia/Kathmandu). "
        "Without Pia Planner: Tuesday 5 March 2030, 13:45 (Asia/Kathmandu)."
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Both on standard time: 09:00 in New York and 15:00 in Berlin are 14:00 UTC.
        (date(2030, 3, 6), ["14:00", "15:00", "16:00"]),
        # New York moved to summer time on 10 March, Berlin only on 31 March.
        (date(2030, 3, 13), ["14:00", "15:00"]),
        (date(2030, 3, 27), ["14:00", "15:00"]),
        # Both on summer time again: 13:00 UTC.
        (date(2030, 4, 3), ["13:00", "14:00", "15:00"]),
    ],
)
def test_common_slots_follow_each_zone_s_clock_changes(frozen, day, expected):
    weekdays = range(5)
    new_york = zoned_mentor("America/New_York", (time(9), time(12)), policy={"horizon_days": 60})
    berlin = zoned_mentor("Europe/Berlin", (time(15), time(18)), policy={"horizon_days": 60})
    for mentor, hours in ((new_york, (time(9), time(12))), (berlin, (time(15), time(18)))):
        services.availability_set(
            user=mentor.user, rules=[(weekday, *hours) for weekday in weekdays]
        )
    start = datetime.combine(day, time(), UTC)

    slots = panel_common_slots(
        mentors=[new_york, berlin], minutes=60, start=start, end=start + timedelta(days=1), now=NOW
    )

    assert [f"{slot.start:%H:%M}" for slot in slots] == expected


def test_the_mentee_s_own_sessions_and_the_mentors_bookings_are_kept_clear(frozen, mentee):
    nia, omar = panelists(2)
    book(nia, UserFactory(), start=TUESDAY_9)  # with the buffer, 08:30 is gone too
    other = zoned_mentor("Europe/Paris", name="Rae Other")
    book(other, mentee, start=TUESDAY_9 + timedelta(hours=2))

    slots = panel_common_slots(mentors=[nia, omar], minutes=30, mentee=mentee, **TUESDAY)

    assert starts(slots) == ["05 09:00", "05 09:30", "05 10:30"]
    assert starts(panel_common_slots(mentors=[nia, omar], minutes=30, **TUESDAY)) == [
        "05 09:00",
        "05 09:30",
        "05 10:00",
        "05 10:30",
    ]


def test_a_mentor_at_their_daily_cap_or_paused_shares_nothing(frozen):
    nia, omar = panelists(2, policy={"max_sessions_per_day": 1})
    book(omar, UserFactory(), start=TUESDAY_9 + timedelta(hours=2))

    assert panel_common_slots(mentors=[nia, omar], minutes=30, **TUESDAY) == []
    nia.user.paused_until = NOW + timedelta(days=1)
    nia.user.save()
    options = panel_nearest_options(mentors=[nia, omar], minutes=30, now=NOW)
    assert options.obstacles == ("Nia Negotiator is not taking bookings at the moment",)
    # Omar is at his cap only on the 5th.
    assert options.describe("UTC") == (
        "Nia Negotiator is not taking bookings at the moment. "
        "Without Nia Negotiator: Tuesday 12 March 2030, 08:00 (UTC)."
    )
    omar.user.paused_until = NOW + timedelta(days=1)
    omar.user.save()
    options = panel_nearest_options(mentors=[nia, omar], minutes=30, now=NOW)
    assert not options.found
    assert options.describe("UTC").endswith(
        "They share no free time in the time they take bookings for."
    )


def test_the_nearest_options_search_further_ahead_and_without_each_mentor(frozen):
    nia, omar, pia = panelists(3)
    # Pia is away on the 5th, and works on Tuesdays only: the three meet on the 12th.
    services.availability_exception_set(user=pia.user, day=date(2030, 3, 5))

    assert panel_common_slots(mentors=[nia, omar, pia], minutes=30, **TUESDAY) == []
    options = panel_nearest_options(
        mentors=[nia, omar, pia], minutes=30, now=NOW, after=NOW + timedelta(days=2)
    )

    assert options.earliest == Slot(
        datetime(2030, 3, 12, 8, tzinfo=UTC), datetime(2030, 3, 12, 8, 30, tzinfo=UTC)
    )
    assert [(minutes, f"{slot.start:%d %H:%M}") for minutes, slot in options.other_lengths] == [
        (60, "12 08:00")
    ]
    without = {mentor.user.display_name: slot.start.day for mentor, slot in options.without}
    assert without == {"Nia Negotiator": 12, "Omar Ortiz": 12, "Pia Planner": 12}
    from_now = panel_nearest_options(mentors=[nia, omar, pia], minutes=30, now=NOW)
    assert {m.user.display_name: s.start.day for m, s in from_now.without}["Pia Planner"] == 5


def test_the_search_stops_at_the_shortest_horizon(frozen):
    nia = zoned_mentor("Europe/Paris", policy={"horizon_days": 5})
    omar = zoned_mentor("Asia/Kolkata", weekday=3, policy={"horizon_days": 90})
    services.availability_set(user=nia.user, rules=[(3, time(9), time(12))])
    # Thursday the 7th is within both horizons; the next Thursdays are beyond Nia's.
    options = panel_nearest_options(
        mentors=[nia, omar], minutes=30, now=NOW, after=NOW + timedelta(days=4)
    )

    assert options.earliest is None and options.other_lengths == ()
    from_now = panel_nearest_options(mentors=[nia, omar], minutes=30, now=NOW)
    assert from_now.earliest.start == datetime(2030, 3, 7, 8, tzinfo=UTC)


# Property: every common slot can be held at once for every mentor.

ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Europe/Berlin"]


@st.composite
def panels(draw):
    """Two or three mentors in different zones with Tuesday hours on a quarter-hour grid
    around the same UTC morning, and some sessions they already have."""
    count = draw(st.integers(2, 3))
    zones = draw(st.lists(st.sampled_from(ZONES), min_size=count, max_size=count, unique=True))
    mentors = []
    for zone in zones:
        first = draw(st.integers(0, 8)) * 15
        length = draw(st.integers(4, 16)) * 15
        mentors.append(
            {
                "zone": zone,
                "utc_start": first,
                "minutes": length,
                "buffer": draw(st.sampled_from([0, 10, 15])),
                "booked": draw(st.lists(st.integers(0, 16), max_size=2)),
            }
        )
    return {"mentors": mentors, "minutes": draw(st.sampled_from([15, 30, 60]))}


def create_panelist(spec):
    """A mentor whose Tuesday hours start ``utc_start`` minutes after 08:00 UTC, read on
    their own clock, with sessions booked at the quarter hours listed in ``booked``."""
    from zoneinfo import ZoneInfo

    utc_start = TUESDAY_9 + timedelta(minutes=spec["utc_start"])
    local = utc_start.astimezone(ZoneInfo(spec["zone"]))
    end = local + timedelta(minutes=spec["minutes"])
    mentor = zoned_mentor(
        spec["zone"],
        (local.time(), end.time()),
        weekday=local.weekday(),
        offers={15: 0, 30: 0, 60: 0},
        name=f"Mentor in {spec['zone']}",
        policy={"buffer_minutes": spec["buffer"]},
    )
    for quarter in spec["booked"]:
        slot_start = TUESDAY_9 + timedelta(minutes=15 * quarter)
        free = mentor_free_slots(
            mentor=mentor,
            minutes=15,
            start=slot_start,
            end=slot_start + timedelta(minutes=15),
            now=NOW,
        )
        if free:
            book(mentor, UserFactory(), start=slot_start, minutes=15)
    return mentor


class TestEveryCommonSlotCanBeHeld(TestCase):
    """Hypothesis' Django ``TestCase`` rolls the database back after every example."""

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenario=panels(), pick=st.randoms(use_true_random=False))
    def test_common_slots_are_each_mentor_s_free_slots_and_can_be_held(self, scenario, pick):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: NOW)
            mentors = [create_panelist(spec) for spec in scenario["mentors"]]
            minutes = scenario["minutes"]
            window = {"start": NOW, "end": NOW + timedelta(days=2), "now": NOW}

            common = panel_common_slots(mentors=mentors, minutes=minutes, **window)

            each = [set(mentor_free_slots(mentor=m, minutes=minutes, **window)) for m in mentors]
            assert set(common) == set.intersection(*each)
            note(f"common: {[slot.start.isoformat() for slot in common]}")
            event("common slots", "some" if common else "none")
            if not common:
                return
            slot = pick.choice(common)
            mentee = UserFactory()
            panel = services.panel_hold(
                mentee=mentee, mentor_ids=ids(mentors), start=slot.start, minutes=minutes
            )
            parts = Booking.objects.filter(panel=panel)
            assert parts.count() == len(mentors)
            assert set(parts.values_list("status", "start", "end")) == {
                (BookingStatus.HELD, slot.start, slot.end)
            }
            # Held, the slot is no one's any more, and nobody else can have it.
            assert slot not in panel_common_slots(mentors=mentors, minutes=minutes, **window)
