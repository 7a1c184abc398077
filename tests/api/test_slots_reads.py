"""A mentor's free slots come from a fixed number of queries, whatever the size of their
calendar, and reflect every change to it at once."""

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headstrt.scheduling import services
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)  # Monday, 11:00 in Paris
TUESDAY, WEDNESDAY = date(2030, 3, 5), date(2030, 3, 6)

frozen = frozen_at(NOW)


@pytest.fixture
def mentor(db):
    """A mentor in Paris, free on Tuesday and Wednesday mornings."""
    profile = MentorProfileFactory(offers={30: 4000})
    services.availability_set(
        user=profile.user, rules=[(1, time(9), time(12)), (2, time(9), time(12))]
    )
    return profile


def slots(anonymous, mentor) -> tuple[list[str], int]:
    """The slot starts of the next three days, and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = anonymous.get(
            f"/mentors/{mentor.user.public_id}/slots", {"minutes": 30, "days": 3}
        )
    assert response.status_code == 200, response.content
    return [slot["start"] for slot in response.json()["slots"]], len(queries)


def test_a_bigger_calendar_costs_no_more_queries(anonymous, mentor):
    _, few = slots(anonymous, mentor)
    user = mentor.user
    services.availability_set(user=user, rules=[(day, time(8), time(18)) for day in range(7)])
    for day in range(10, 20):
        services.availability_exception_set(user=user, day=date(2030, 3, day))
    services.availability_exception_set(user=user, day=date(2030, 2, 1))  # in the past
    services.scheduling_policy_save(
        user=user,
        buffer_minutes=0,
        minimum_notice_minutes=60,
        horizon_days=30,
        max_sessions_per_day=8,
        max_sessions_per_week=20,
    )
    mentor.offers.create(minutes=60, price_minor=7000)

    starts, many = slots(anonymous, mentor)

    assert many == few == 2  # the mentor and policy; their calendar and busy time
    # 08:00-18:00 in Paris: from 12:00 today (an hour's notice), then two whole days
    assert len(starts) == 12 + 20 + 20
    assert starts[0] == "2030-03-04T11:00:00Z"


def test_a_date_exception_changes_the_slots_at_once(anonymous, mentor):
    before, _ = slots(anonymous, mentor)
    services.availability_exception_set(user=mentor.user, day=TUESDAY)  # time off
    services.availability_exception_set(
        user=mentor.user, day=WEDNESDAY, ranges=[(time(14), time(15))]
    )

    after, _ = slots(anonymous, mentor)

    assert len(before) == 12
    assert after == ["2030-03-06T13:00:00Z", "2030-03-06T13:30:00Z"]
