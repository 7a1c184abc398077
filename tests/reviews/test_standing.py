"""Mentors' kept standings: a ranking reads them from the cache, and every write that changes
one (a review revealed, an outcome, a no-show, a session) counts in the very next ranking;
writes that change none keep them, and a cache outage fails neither writes nor rankings."""

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from headstrt.accounts.models import MentorProfile
from headstrt.housekeeping import housekeeping_run
from headstrt.matching import signals
from headstrt.matching.query import SituationQuery
from headstrt.matching.scoring import NEUTRAL
from headstrt.payments.services import booking_pay
from headstrt.reviews import outcomes
from headstrt.reviews.models import Review
from headstrt.reviews.selectors import REVIEW_WINDOW
from headstrt.reviews.standing import KEEP, standing_forget
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Booking
from tests.factories import MentorProfileFactory, UserFactory
from tests.matching.track_record import no_shows_of, outcomes_of, reviews_of, session_row
from tests.reviews.reviewing import review
from tests.scheduling.gatherings import group_offer, seat_book
from tests.scheduling.sessions import GOOD_CARD, TUESDAY_9, book, hold

# Redis at a port nothing listens on: every cache call fails at once.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}
# A cache every process shares, as the worker's sweep needs to keep standings for servers.
SHARED_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
    }
}
# What a ranking without a mentee reads with every standing kept (the profiles and the
# situation's topic), and what working the standings out adds.
WARM_QUERIES, STANDING_QUERIES = 2, 9

pytestmark = pytest.mark.django_db


def ranked(*mentors, **query):
    """What a ranking's signals say about ``mentors``, loaded as a ranking loads them."""
    profiles = MentorProfile.objects.select_related("user").filter(
        pk__in=[mentor.pk for mentor in mentors]
    )
    return signals.collect(
        query=SituationQuery(text="x", **query), mentors={p.pk: p for p in profiles}
    )


def ranking_queries(mentor) -> int:
    with CaptureQueriesContext(connection) as measured:
        ranked(mentor)
    return len(measured)


def capacity(mentor):
    return ranked(mentor)["capacity"][mentor.pk]


def rating(mentor):
    value = ranked(mentor)["rating"].get(mentor.pk)
    return None if value is None else (value.stars, value.reviews)


def test_a_review_counts_as_soon_as_both_sides_reveal_it(done_session, mentor, mentee, committed):
    assert rating(mentor) is None
    with committed():
        review(done_session, mentee, 1)
    assert rating(mentor) is None  # still blind

    with committed():
        review(done_session, mentor.user, 5)

    assert rating(mentor) == (pytest.approx(21 / 6), 1)


def test_a_lone_review_counts_the_moment_its_window_closes(done_session, mentor, mentee, frozen):
    frozen.set(done_session.end + REVIEW_WINDOW - timedelta(minutes=1))
    review(done_session, mentee, 1)
    assert rating(mentor) is None

    frozen.move(minutes=2)  # revealed by time alone, well within KEEP

    assert rating(mentor) == (pytest.approx(21 / 6), 1)


def test_an_outcome_and_a_no_show_count_in_the_next_ranking(done_session, mentor, mentee, frozen):
    before = ranked(mentor)
    assert mentor.pk not in before["outcome"]
    assert before["reliability"][mentor.pk].reason == ""

    outcomes.outcome_record(mentee=mentee, booking_id=done_session.public_id, result="reached")
    assert ranked(mentor)["outcome"][mentor.pk].reason == "Objective reached in 1 of 1 session"

    missed = book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(days=7))
    frozen.set(missed.start + timedelta(minutes=20))
    ranked(mentor)
    scheduling.booking_report_no_show(user=missed.mentee, booking_id=missed.public_id)

    assert ranked(mentor)["reliability"][mentor.pk].reason == "Missed 1 session recently"


def test_a_new_booking_uses_up_capacity_at_once(mentor, mentee, frozen):
    MentorProfile.objects.filter(pk=mentor.pk).update(weekly_capacity=1)
    assert ranked(mentor)["capacity"][mentor.pk].value == 0.1

    book(mentor, mentee)

    assert ranked(mentor)["capacity"][mentor.pk].reason == "Fully booked this week"


def test_the_coming_week_slides_with_the_clock_while_a_standing_is_kept(frozen):
    mentor = MentorProfileFactory(weekly_capacity=10)
    now = frozen.now
    for start in (now + timedelta(minutes=1), now + timedelta(days=7, minutes=2)):
        Booking.objects.bulk_create([session_row(mentor, start)])  # no model signal
    assert ranked(mentor)["capacity"][mentor.pk].value == 0.9

    frozen.move(minutes=3)  # the first has begun, the second is now within the week

    assert ranked(mentor)["capacity"][mentor.pk].value == 0.9
    frozen.move(days=7)
    assert ranked(mentor)["capacity"][mentor.pk].value == 1.0


def test_writes_that_bypass_the_models_count_once_the_standing_expires(frozen):
    mentor = MentorProfileFactory()
    assert rating(mentor) is None
    reviews_of(mentor, [5, 5])  # bulk writes: no model signal, nothing forgotten

    assert rating(mentor) is None
    frozen.move(seconds=KEEP.total_seconds() - 1)
    assert rating(mentor) is None
    frozen.move(seconds=2)
    assert rating(mentor) == (pytest.approx(30 / 7), 2)


def test_a_hidden_review_leaves_the_rating_at_once(frozen):
    mentor = MentorProfileFactory()
    [kept, hidden] = reviews_of(mentor, [5, 1])
    assert rating(mentor) == (pytest.approx(26 / 7), 2)

    hidden.hidden_at = frozen.now
    hidden.save(update_fields=["hidden_at"])

    assert rating(mentor) == (pytest.approx(25 / 6), 1)
    assert Review.objects.filter(pk=kept.pk, hidden_at__isnull=True).exists()


def test_collecting_signals_costs_the_same_queries_for_few_and_many_mentors(frozen):
    mentee = UserFactory()

    def record(count):
        mentors = [MentorProfileFactory() for _ in range(count)]
        for mentor in mentors:
            reviews_of(mentor, [5, 4], author=mentee)
            outcomes_of(mentor, ["reached"])
            no_shows_of(mentor, 1)
        return mentors

    def queries(mentors):
        with CaptureQueriesContext(connection) as measured:
            collected = ranked(*mentors, mentee_id=mentee.pk)
        return len(measured), collected

    few, many = record(2), record(8)
    cold_few, _ = queries(few)
    cold_many, _ = queries(many)
    warm_few, _ = queries(few)
    warm_many, collected = queries(many)

    assert cold_few == cold_many and warm_few == warm_many
    # The mentor profiles 1, the situation's topic 1, the mentee's own ratings 1; cold, the
    # standings' 9 (ratings, reveals, reliability 4, outcomes, last session, coming sessions).
    assert warm_many == 3
    assert cold_many - warm_many == STANDING_QUERIES
    assert all(collected["rating"][mentor.pk].reviews == 2 for mentor in many)
    assert all(collected["history"][mentor.pk].value == pytest.approx(0.875) for mentor in many)


def test_a_cancellation_frees_capacity_in_the_next_ranking(mentor, mentee, frozen):
    MentorProfile.objects.filter(pk=mentor.pk).update(weekly_capacity=1)
    booking = book(mentor, mentee)
    assert capacity(mentor).reason == "Fully booked this week"

    scheduling.booking_cancel(user=mentee, booking_id=booking.public_id)

    assert capacity(mentor).value == 0.1


def test_a_reschedule_moves_capacity_in_the_next_ranking(mentor, mentee, frozen):
    MentorProfile.objects.filter(pk=mentor.pk).update(weekly_capacity=1)
    booking = book(mentor, mentee)
    assert capacity(mentor).reason == "Fully booked this week"

    next_week = TUESDAY_9 + timedelta(days=7)
    scheduling.booking_reschedule(user=mentee, booking_id=booking.public_id, start=next_week)
    assert capacity(mentor).value == 0.1

    scheduling.booking_reschedule(user=mentee, booking_id=booking.public_id, start=TUESDAY_9)
    assert capacity(mentor).reason == "Fully booked this week"


def test_a_late_cancellation_lowers_reliability_in_the_next_ranking(mentor, mentee, frozen):
    booking = book(mentor, mentee)
    frozen.set(TUESDAY_9 - timedelta(hours=2))
    assert mentor.pk not in ranked(mentor)["reliability"]  # no record yet: neutral

    scheduling.booking_cancel(user=mentor.user, booking_id=booking.public_id)

    assert ranked(mentor)["reliability"][mentor.pk].value < NEUTRAL


def test_a_group_session_uses_up_capacity_once_and_frees_it_when_cancelled(mentor, frozen):
    MentorProfile.objects.filter(pk=mentor.pk).update(weekly_capacity=2)
    assert capacity(mentor).value == 0.2

    group = group_offer(mentor, capacity=3)
    assert capacity(mentor).value == 0.1
    seat_book(group)
    seat_book(group)
    assert capacity(mentor).value == 0.1  # one session, however many seats

    scheduling.group_session_cancel(mentor=mentor.user, group_id=group.public_id)
    assert capacity(mentor).value == 0.2


def test_a_hold_keeps_standings_and_its_checkout_counts(mentor, mentee, frozen):
    MentorProfile.objects.filter(pk=mentor.pk).update(weekly_capacity=1)
    assert ranking_queries(mentor) == WARM_QUERIES + STANDING_QUERIES

    held = hold(mentor, mentee)
    assert ranking_queries(mentor) == WARM_QUERIES  # a hold counts nowhere in a standing
    assert capacity(mentor).value == 0.1

    booking_pay(
        mentee=mentee, booking_id=held.public_id, objective="Ask", agenda="", source=GOOD_CARD
    )
    assert capacity(mentor).reason == "Fully booked this week"


@pytest.mark.parametrize("late", [False, True])
def test_an_on_time_join_keeps_standings_and_a_late_one_counts(mentor, mentee, frozen, late):
    booking = book(mentor, mentee)
    frozen.set(TUESDAY_9 + timedelta(minutes=6 if late else 2))
    clean = ranked(mentor)["reliability"][mentor.pk].value

    scheduling.booking_join(user=mentor.user, booking_id=booking.public_id)

    if late:
        assert ranked(mentor)["reliability"][mentor.pk].value < clean
    else:
        assert ranking_queries(mentor) == WARM_QUERIES


def test_a_cache_outage_fails_no_write_and_no_ranking(
    done_session, mentor, mentee, committed, caplog
):
    with override_settings(CACHES=CACHE_DOWN), committed():
        review(done_session, mentee, 1)
        review(done_session, mentor.user, 5)
        assert ranking_queries(mentor) == WARM_QUERIES + STANDING_QUERIES
        assert rating(mentor) == (pytest.approx(21 / 6), 1)
        book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(days=7))

    assert Review.objects.filter(booking=done_session).count() == 2
    assert Booking.objects.filter(mentor=mentor).count() == 2
    logged = [r for r in caplog.records if r.name == "headstrt.reviews.standing"]
    assert {r.getMessage().split(" ")[2] for r in logged} == {"read", "keep", "forget"}
    assert all(r.levelname == "WARNING" and r.exc_info for r in logged)


def test_a_forget_that_fails_logs_once_now_and_once_on_commit(committed, caplog):
    with override_settings(CACHES=CACHE_DOWN), committed() as callbacks:
        standing_forget(user_ids=[1, 2, 2])
        assert len(caplog.records) == 1

    assert len(callbacks) == 1 and len(caplog.records) == 2
    for record in caplog.records:
        assert record.levelname == "WARNING" and record.name == "headstrt.reviews.standing"
        assert record.exc_info[0].__name__ == "ConnectionError"


def test_keeping_every_standing_leaves_a_ranking_no_aggregate_to_read(frozen):
    listed = [MentorProfileFactory() for _ in range(3)]
    for mentor in listed:
        reviews_of(mentor, [5, 4], author=UserFactory())
    unlisted = MentorProfileFactory(is_active=False)

    with override_settings(CACHES=SHARED_CACHE):
        cache.clear()
        try:
            # The worker's sweep keeps them: every listed mentor, in batches.
            with patch("headstrt.reviews.standing.KEEP_ALL_BATCH", 2):
                assert housekeeping_run()["standings_kept"] == len(listed)
            with CaptureQueriesContext(connection) as kept:
                collected = ranked(*listed)
            with CaptureQueriesContext(connection) as not_kept:
                ranked(unlisted)
        finally:
            cache.clear()

    # The profiles and the situation's topic only; the unlisted mentor's standing is worked
    # out when a ranking needs it.
    assert len(kept) == WARM_QUERIES
    assert len(not_kept) == WARM_QUERIES + STANDING_QUERIES
    assert all(collected["rating"][mentor.pk].reviews == 2 for mentor in listed)
