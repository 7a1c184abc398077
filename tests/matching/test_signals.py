"""Signals beyond relevance: price fit, language, time-zone overlap, capacity, topic."""

from datetime import UTC, datetime, timedelta

import pytest

from headstrt.accounts.models import Area, MentorProfile
from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.matching import signals
from headstrt.matching.query import SituationQuery
from headstrt.reviews.matching_signals import RecentActivity
from tests.factories import ExpertiseEntryFactory, MentorProfileFactory, TopicFactory

pytestmark = pytest.mark.django_db

JUNE = datetime(2026, 6, 1, 12, tzinfo=UTC)


def by_id(*mentors):
    return {mentor.pk: mentor for mentor in mentors}


def test_waking_overlap_is_full_in_one_zone_and_small_across_the_world():
    assert signals.waking_overlap_hours("Europe/Paris", "Europe/Berlin", at=JUNE) == 13
    assert signals.waking_overlap_hours("Europe/Paris", "America/New_York", at=JUNE) == 7
    assert signals.waking_overlap_hours("Asia/Tokyo", "America/Los_Angeles", at=JUNE) == 5


def test_price_fit_prefers_cheaper_within_budget_and_free_fits_any_budget():
    cheap = MentorProfileFactory(offers={30: 1000})
    dear = MentorProfileFactory(offers={30: 4000})
    free = MentorProfileFactory(offers={30: 0}, currency="USD")
    query = SituationQuery(text="x", budget=Money(5000, "EUR"), session_minutes=30)

    values = signals.PriceFit().values(query=query, mentors=by_id(cheap, dear, free))

    assert values[free.pk].value == 1.0
    assert values[cheap.pk].value > values[dear.pk].value > 0
    assert signals.PriceFit().values(query=SituationQuery(text="x"), mentors=by_id(cheap)) == {}


def test_language_fit_prefers_the_first_language():
    french = MentorProfileFactory(user__languages=["fr"])
    english = MentorProfileFactory(user__languages=["en"])
    query = SituationQuery(text="x", languages=("fr", "en"))

    values = signals.LanguageFit().values(query=query, mentors=by_id(french, english))

    assert values[french.pk].value > values[english.pk].value > 0


def test_topic_fit_counts_the_topic_its_category_and_the_area():
    career = TopicFactory(slug="test-career", name="Career", area=Area.PROFESSIONAL)
    salary = TopicFactory(slug="test-salary", name="Salary", parent=career)
    exact = ExpertiseEntryFactory(topic=salary).mentor
    elsewhere = ExpertiseEntryFactory(
        topic=TopicFactory(slug="test-sleep", name="Sleep", area=Area.PERSONAL)
    ).mentor
    mentors = by_id(exact, elsewhere)

    by_topic = signals.TopicFit().values(
        query=SituationQuery(text="x", topic="test-salary"), mentors=mentors
    )
    by_category = signals.TopicFit().values(
        query=SituationQuery(text="x", topic="test-career"), mentors=mentors
    )

    assert by_topic[exact.pk].value == 1.0 and by_topic[elsewhere.pk].value == 0.0
    assert 0 < by_category[exact.pk].value < 1.0


def test_a_registered_provider_is_collected_and_replaces_one_of_the_same_name():
    mentor = MentorProfileFactory()

    class Rating:
        name = "rating"

        def values(self, *, query, mentors):
            return {pk: signals.SignalValue(0.9, "Rated 4.8 by 12 mentees") for pk in mentors}

    before = signals.providers()
    try:
        signals.register(Rating())
        signals.register(Rating())
        collected = signals.collect(query=SituationQuery(text="x"), mentors=by_id(mentor))
        assert collected["rating"][mentor.pk].value == 0.9
        assert [p.name for p in signals.providers()].count("rating") == 1
    finally:
        signals._providers[:] = before


def test_recent_activity_decays_with_time_since_the_profile_changed():
    fresh = MentorProfileFactory()
    stale = MentorProfileFactory()
    MentorProfile.objects.filter(pk=stale.pk).update(updated_at=clock.now() - timedelta(days=180))
    stale.refresh_from_db()

    values = RecentActivity().values(query=SituationQuery(text="x"), mentors=by_id(fresh, stale))

    assert values[fresh.pk].value > 0.99
    assert 0.1 < values[stale.pk].value < 0.2  # exp(-2)
