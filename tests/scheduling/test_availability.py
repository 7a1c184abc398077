"""Availability services: weekly rules, date exceptions and the scheduling policy."""

from datetime import date, time

import pytest

from headstrt.scheduling import services
from headstrt.scheduling.models import AvailabilityException, AvailabilityRule, SchedulingPolicy
from tests.factories import MentorProfileFactory, UserFactory
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db

MONDAY_MORNING = [(0, time(9), time(12))]


def rules_of(mentor):
    return list(
        AvailabilityRule.objects.filter(mentor=mentor).values_list("weekday", "start", "end")
    )


def test_rules_replace_the_previous_week():
    mentor = MentorProfileFactory()
    services.availability_set(user=mentor.user, rules=MONDAY_MORNING)
    services.availability_set(
        user=mentor.user,
        rules=[(2, time(14), time(16)), (2, time(9), time(12)), (6, time(20), time(0))],
    )
    assert rules_of(mentor) == [
        (2, time(9), time(12)),
        (2, time(14), time(16)),
        (6, time(20), time(0)),
    ]


@pytest.mark.parametrize(
    ("rules", "code"),
    [
        ([(0, time(9), time(12)), (0, time(11), time(13))], "overlapping_ranges"),
        ([(0, time(9), time(12)), (0, time(9), time(10))], "overlapping_ranges"),
        ([(0, time(12), time(9))], "invalid_range"),
        ([(0, time(9), time(9))], "invalid_range"),
        ([(7, time(9), time(12))], "unknown_weekday"),
        ([(-1, time(9), time(12))], "unknown_weekday"),
        ([(True, time(9), time(12))], "unknown_weekday"),
        ([(0, "09:00", time(12))], "invalid_time"),
        ([(0, time(9, 0, 30), time(12))], "invalid_time"),
        ([(0, time(9))], "invalid_rule"),
    ],
)
def test_bad_rules_are_refused_and_nothing_changes(rules, code):
    mentor = MentorProfileFactory()
    services.availability_set(user=mentor.user, rules=MONDAY_MORNING)
    refused(code, services.availability_set, user=mentor.user, rules=rules)
    assert rules_of(mentor) == [(0, time(9), time(12))]


def test_adjacent_ranges_are_not_an_overlap():
    mentor = MentorProfileFactory()
    services.availability_set(
        user=mentor.user, rules=[(0, time(9), time(12)), (0, time(12), time(13))]
    )
    assert len(rules_of(mentor)) == 2


def test_only_mentors_have_availability():
    refused("no_mentor_profile", services.availability_set, user=UserFactory(), rules=[])


def test_exceptions_override_a_date_or_take_it_off():
    mentor = MentorProfileFactory()
    day = date(2025, 6, 2)
    services.availability_exception_set(
        user=mentor.user, day=day, ranges=[(time(14), time(15)), (time(8), time(9))]
    )
    assert list(
        AvailabilityException.objects.filter(mentor=mentor).values_list("start", "end")
    ) == [(time(8), time(9)), (time(14), time(15))]
    services.availability_exception_set(user=mentor.user, day=day)
    (time_off,) = AvailabilityException.objects.filter(mentor=mentor)
    assert time_off.is_time_off
    refused(
        "overlapping_ranges",
        services.availability_exception_set,
        user=mentor.user,
        day=day,
        ranges=[(time(8), time(10)), (time(9), time(11))],
    )
    assert AvailabilityException.objects.get(mentor=mentor).is_time_off
    services.availability_exception_remove(user=mentor.user, day=day)
    assert not AvailabilityException.objects.filter(mentor=mentor).exists()


def test_policy_is_saved_and_checked():
    mentor = MentorProfileFactory()
    policy = services.scheduling_policy_save(
        user=mentor.user, buffer_minutes=15, confirmation="request", max_sessions_per_week=3
    )
    assert (policy.buffer_minutes, policy.confirmation, policy.response_window_hours) == (
        15,
        "request",
        48,
    )
    for field, value, code in [
        ("buffer_minutes", -5, "out_of_range"),
        ("horizon_days", 0, "out_of_range"),
        ("max_sessions_per_day", "4", "invalid_number"),
        ("response_window_hours", 500, "out_of_range"),
        ("confirmation", "maybe", "invalid_confirmation"),
    ]:
        error = refused(code, services.scheduling_policy_save, user=mentor.user, **{field: value})
        assert error.field == field
    assert SchedulingPolicy.objects.get(mentor=mentor).buffer_minutes == 15
