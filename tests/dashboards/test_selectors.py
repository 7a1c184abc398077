"""The dashboards' series: a mentor's sessions, earnings, rating and outcome rate, and the
platform's health for staff, per ISO week or month in UTC, empty periods included, in a
fixed number of queries."""

from datetime import date, timedelta

import pytest

from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.dashboards import selectors
from headstrt.reviews.models import OutcomeHeld, OutcomeResult
from headstrt.scheduling.models import Booking, BookingStatus, Party
from tests.clock import frozen_at
from tests.dashboards.seed import (
    NOW,
    THIS_MONDAY,
    answered_ask,
    dispute,
    earning,
    outcome,
    payout,
    review,
    session,
    weeks_ago,
)
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

frozen = frozen_at(NOW)


@pytest.fixture
def mentor():
    return MentorProfileFactory(currency="EUR")


@pytest.fixture
def mentee():
    return UserFactory()


def values(series) -> list:
    return [point.value for point in series.points]


def test_weeks_are_iso_weeks_in_utc_ending_with_the_current_one():
    starts = selectors.week_starts(weeks=3, now=NOW)
    assert starts == [date(2030, 2, 18), date(2030, 2, 25), date(2030, 3, 4)]
    assert all(start.weekday() == 0 for start in starts)
    # Sunday 23:30 in UTC is still the week before, whatever the server's zone.
    sunday_night = THIS_MONDAY - timedelta(minutes=30)
    assert selectors.week_starts(weeks=1, now=sunday_night) == [date(2030, 2, 25)]
    assert selectors.month_starts(since=date(2029, 12, 30), now=NOW) == [
        date(2029, 12, 1),
        date(2030, 1, 1),
        date(2030, 2, 1),
        date(2030, 3, 1),
    ]


def test_mentor_sessions_per_week_count_sessions_held_with_empty_weeks_as_zero(mentor, mentee):
    for start in (weeks_ago(3), weeks_ago(3, hours=12), weeks_ago(1), weeks_ago(0)):
        session(mentor, mentee, start)
    session(mentor, mentee, weeks_ago(1, hours=14), status=BookingStatus.NO_SHOW)
    session(mentor, mentee, weeks_ago(1, hours=16), status=BookingStatus.CANCELLED)
    session(mentor, mentee, weeks_ago(30))  # before the period
    session(MentorProfileFactory(), UserFactory(), weeks_ago(1))  # someone else's

    found = selectors.mentor_dashboard(user=mentor.user, weeks=6)

    assert found.since == date(2030, 1, 28)
    assert [point.start for point in found.sessions.points][-1] == date(2030, 3, 4)
    assert values(found.sessions) == [0, 0, 2, 0, 1, 1]
    assert found.sessions_total == 4


def test_mentor_earnings_are_net_in_the_main_currency_without_payouts(mentor):
    user = mentor.user
    earning(user, 3600, weeks_ago(2))
    earning(user, 1800, weeks_ago(0))
    earning(user, 500, weeks_ago(0, hours=11), kind="tip")
    earning(user, 9000, weeks_ago(1), currency="USD")
    earning(user, 7000, weeks_ago(40))  # before the period
    payout(user, 2000, weeks_ago(0, hours=12))
    earning(MentorProfileFactory().user, 4000, weeks_ago(0))  # someone else's

    found = selectors.mentor_dashboard(user=user, weeks=4)

    assert found.currency == "EUR"
    assert found.earnings.currency == "EUR"
    assert values(found.earnings) == [0, 3600, 0, 2300]
    assert found.earnings_total.minor == 5900
    assert found.other_currencies == ["USD"]


def test_mentor_rating_is_the_bayesian_rating_at_the_end_of_each_month(mentor, mentee):
    booking = session(mentor, mentee, weeks_ago(40))
    review(booking, stars=5, revealed=weeks_ago(40))  # before the period: counts from the start
    review(session(mentor, mentee, weeks_ago(8)), stars=3, revealed=weeks_ago(8))  # January
    review(session(mentor, mentee, weeks_ago(0)), stars=4, revealed=weeks_ago(0))  # March
    hidden = review(session(mentor, mentee, weeks_ago(1)), stars=1, revealed=weeks_ago(1))
    hidden.hidden_at = NOW
    hidden.save()
    blind = session(mentor, mentee, weeks_ago(0, hours=1))
    review(blind, stars=1, revealed=NOW + timedelta(days=3))
    # A review of the mentor as a mentee is not their mentoring.
    other = MentorProfileFactory()
    as_mentee = session(other, mentor.user, weeks_ago(1))
    review(as_mentee, stars=1, revealed=weeks_ago(1)).__class__.objects.filter(
        booking=as_mentee
    ).update(subject=mentor.user, subject_party=Party.MENTEE)

    found = selectors.mentor_dashboard(user=mentor.user, weeks=26)

    months = [point.start for point in found.rating.points]
    assert months == [date(2029, m, 1) for m in range(9, 13)] + [
        date(2030, m, 1) for m in (1, 2, 3)
    ]
    # (5 × 4.0 + Σ stars) / (5 + n): the prior of reputation.py.
    assert values(found.rating) == pytest.approx(
        [25 / 6, 25 / 6, 25 / 6, 25 / 6, 28 / 7, 28 / 7, 32 / 8]
    )
    assert [point.count for point in found.rating.points][-1] == 3
    assert found.rating_now == pytest.approx(4.0)
    assert found.reviews == 3


def test_a_mentor_without_reviews_has_no_rating(mentor):
    found = selectors.mentor_dashboard(user=mentor.user)
    assert set(values(found.rating)) == {None}
    assert found.rating_now is None and found.reviews == 0
    assert len(found.sessions.points) == 26 and set(values(found.sessions)) == {0}


def test_mentor_outcome_rate_per_month_counts_answers_as_outcome_rates_do(mentor, mentee):
    outcome(session(mentor, mentee, weeks_ago(3)), OutcomeResult.REACHED)  # February
    outcome(session(mentor, mentee, weeks_ago(2)), OutcomeResult.NOT_REACHED)
    outcome(session(mentor, mentee, weeks_ago(0)), OutcomeResult.PARTLY)  # March
    outcome(
        session(mentor, mentee, weeks_ago(0, hours=11)),
        OutcomeResult.REACHED,
        held=OutcomeHeld.NOT_HELD,
    )
    outcome(session(mentor, mentee, weeks_ago(0, hours=12)), "")  # not answered yet

    found = selectors.mentor_dashboard(user=mentor.user, weeks=8)

    assert [point.start for point in found.outcomes.points] == [
        date(2030, 1, 1),
        date(2030, 2, 1),
        date(2030, 3, 1),
    ]
    assert values(found.outcomes) == [None, 0.5, 0.25]
    assert [point.count for point in found.outcomes.points] == [0, 2, 2]
    assert found.outcome_rate == pytest.approx(0.375)
    assert found.outcome_answers == 4


def test_someone_without_a_mentor_profile_has_no_mentor_dashboard(mentee):
    with pytest.raises(NotFound):
        selectors.mentor_dashboard(user=mentee)


@pytest.mark.parametrize("weeks", [0, 105, -3, "26", 2.5, True, None])
def test_the_number_of_weeks_is_checked(mentor, weeks):
    with pytest.raises(DomainError) as refused:
        selectors.mentor_dashboard(user=mentor.user, weeks=weeks)
    assert refused.value.code == "invalid" and refused.value.status == 422


def test_the_mentor_dashboard_takes_five_queries_however_long_the_history(
    mentor, mentee, django_assert_num_queries
):
    for week in range(12):
        booking = session(mentor, mentee, weeks_ago(week))
        review(booking, stars=4, revealed=weeks_ago(week))
        outcome(booking, OutcomeResult.REACHED)
        earning(mentor.user, 1000 + week, weeks_ago(week))
    with django_assert_num_queries(5):
        found = selectors.mentor_dashboard(user=mentor.user, weeks=52)
    assert found.sessions_total == 12


# --- the platform's health -----------------------------------------------------------------


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def test_health_counts_sessions_no_shows_and_disputes_per_week(staff, mentor, mentee):
    held = [session(mentor, mentee, weeks_ago(2, hours=h)) for h in (8, 10, 12)]
    dispute(held[0])
    no_show = session(
        mentor,
        mentee,
        weeks_ago(2, hours=14),
        status=BookingStatus.NO_SHOW,
        no_show_party=Party.MENTOR,
    )
    dispute(no_show)
    session(mentor, mentee, weeks_ago(2, hours=16), status=BookingStatus.CANCELLED)
    session(MentorProfileFactory(), UserFactory(), weeks_ago(0))
    session(mentor, mentee, NOW + timedelta(hours=2), status=BookingStatus.CONFIRMED)  # to come

    found = selectors.platform_health(staff=staff, weeks=4)

    assert values(found.sessions) == [0, 3, 0, 1]
    assert values(found.no_show_rate) == [None, 0.25, None, 0.0]
    assert values(found.dispute_rate) == [None, 0.5, None, 0.0]
    assert [point.count for point in found.dispute_rate.points] == [0, 4, 0, 1]
    assert (found.sessions_total, found.no_shows_total, found.disputes_total) == (4, 1, 2)


def test_health_counts_confirmed_sessions_over_as_held_with_their_disputes(staff, mentor, mentee):
    # Nobody marked these done, but they are over and their escrow is released all the same.
    unmarked = session(mentor, mentee, weeks_ago(1), status=BookingStatus.CONFIRMED)
    dispute(unmarked)
    session(mentor, mentee, weeks_ago(1, hours=12), status=BookingStatus.CONFIRMED)
    session(mentor, mentee, weeks_ago(1, hours=14))
    session(mentor, mentee, weeks_ago(1, hours=16), status=BookingStatus.NO_SHOW)
    # Still going at NOW, and still to come: not held (yet).
    session(mentor, mentee, NOW - timedelta(minutes=10), status=BookingStatus.CONFIRMED)
    session(mentor, mentee, NOW + timedelta(days=1), status=BookingStatus.CONFIRMED)

    found = selectors.platform_health(staff=staff, weeks=2)

    assert values(found.sessions) == [3, 0]
    assert values(found.no_show_rate) == [0.25, None]
    assert values(found.dispute_rate) == [0.25, None]
    assert (found.sessions_total, found.no_shows_total, found.disputes_total) == (3, 1, 1)


def test_a_mentor_counts_confirmed_sessions_over_as_held(mentor, mentee):
    session(mentor, mentee, weeks_ago(1), status=BookingStatus.CONFIRMED)
    session(mentor, mentee, weeks_ago(0))
    session(mentor, mentee, NOW - timedelta(minutes=10), status=BookingStatus.CONFIRMED)
    session(mentor, mentee, NOW + timedelta(days=1), status=BookingStatus.CONFIRMED)

    found = selectors.mentor_dashboard(user=mentor.user, weeks=2)

    assert found.sessions.label == "Sessions held"
    assert values(found.sessions) == [1, 1]
    assert found.sessions_total == 2


def test_health_outcome_rate_per_week(staff, mentor, mentee):
    outcome(session(mentor, mentee, weeks_ago(1)), OutcomeResult.REACHED)
    outcome(session(mentor, mentee, weeks_ago(1, hours=12)), OutcomeResult.PARTLY)
    outcome(session(mentor, mentee, weeks_ago(1, hours=14)), "")

    found = selectors.platform_health(staff=staff, weeks=3)

    assert values(found.outcome_rate) == [None, 0.75, None]


def _request(mentor, mentee, *, made, hours) -> Booking:
    booking = session(
        mentor,
        mentee,
        made + timedelta(days=3, hours=hours),
        status=BookingStatus.CONFIRMED,
        respond_by=made + timedelta(hours=48),
        confirmed_at=made + timedelta(hours=hours),
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=made)
    return booking


def test_health_medians_of_accepting_requests_and_answering_questions(staff, mentor, mentee):
    for hours in (2, 9, 4):  # odd: the middle one
        _request(mentor, mentee, made=weeks_ago(2, hours=1), hours=hours)
    for hours in (1, 3):  # even: the mean of the two in the middle
        _request(mentor, mentee, made=weeks_ago(1, hours=1), hours=hours)
    instant = session(mentor, mentee, weeks_ago(1, hours=20), status=BookingStatus.CONFIRMED)
    Booking.objects.filter(pk=instant.pk).update(created_at=weeks_ago(3))  # not a request
    for hours in (40, 10, 30, 20):
        answered_ask(mentor, asked=weeks_ago(1, hours=1), hours=hours)

    found = selectors.platform_health(staff=staff, weeks=3)

    assert values(found.accept_hours) == pytest.approx([4.0, 2.0, None])
    assert [point.count for point in found.accept_hours.points] == [3, 2, 0]
    assert values(found.answer_hours) == pytest.approx([None, 25.0, None])


def test_only_staff_see_the_platform_health(mentor):
    with pytest.raises(PermissionDenied):
        selectors.platform_health(staff=mentor.user)


def test_health_takes_four_queries_however_much_happened(
    staff, mentor, mentee, django_assert_num_queries
):
    for week in range(10):
        dispute(session(mentor, mentee, weeks_ago(week)))
        _request(mentor, mentee, made=weeks_ago(week, hours=2), hours=week + 1)
        answered_ask(mentor, asked=weeks_ago(week, hours=3), hours=week + 2)
    with django_assert_num_queries(4):
        found = selectors.platform_health(staff=staff, weeks=26)
    assert found.disputes_total == 10
