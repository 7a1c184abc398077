"""A mentor's growth: the topics they helped with, outcome rates per topic, how results held
and the feedback they received."""

from datetime import timedelta

import pytest

from headstrt.core.errors import NotFound
from headstrt.reviews import outcomes
from headstrt.reviews.models import Review
from tests.factories import TopicFactory, UserFactory
from tests.reviews.outcome_fixtures import answered_outcome

pytestmark = pytest.mark.django_db


def visible_review(outcome, stars, text, *, hidden=False, revealed=True):
    now = outcome.created_at
    return Review.objects.create(
        booking=outcome.booking,
        author=outcome.mentee,
        subject=outcome.mentor.user,
        subject_party="mentor",
        stars=stars,
        text=text,
        reveal_at=now - timedelta(days=1) if revealed else now + timedelta(days=10),
        created_at=now,
        updated_at=now,
        hidden_at=now if hidden else None,
    )


def test_growth_shows_topics_rates_held_and_feedback(frozen, mentor):
    salary = TopicFactory(name="Salary negotiation", slug="salary")
    teens = TopicFactory(name="Teenagers", slug="teens")
    first = answered_outcome(mentor, result="reached", held="held", topic=salary)
    answered_outcome(mentor, result="partly", held="not_held", topic=salary)
    answered_outcome(mentor, result="", topic=salary)
    answered_outcome(mentor, result="", topic=teens)
    answered_outcome(mentor, result="not_reached")
    visible_review(first, 5, "Clear and kind")
    visible_review(answered_outcome(mentor), 2, "Blind still", revealed=False)
    visible_review(answered_outcome(mentor), 1, "Hidden by staff", hidden=True)

    growth = outcomes.mentor_growth(user=mentor.user)

    assert growth.sessions == 7
    rows = [(item.topic and item.topic.slug, item.sessions) for item in growth.topics]
    assert rows == [("salary", 3), (None, 3), ("teens", 1)]
    salary_rate = growth.topics[0].rate
    assert (salary_rate.count, salary_rate.reached) == (2, 1)
    # reached but did not hold counts 0 once the follow-up says so
    assert salary_rate.rate == pytest.approx((1.8 + 1.0 + 0.0) / 5)
    assert growth.topics[2].rate is None
    assert growth.overall.count == 3
    assert (growth.held.count, growth.held.rate) == (2, 0.5)
    assert [review.text for review in growth.feedback] == ["Clear and kind"]


def test_a_mentor_without_sessions_sees_an_empty_page(frozen, mentor):
    growth = outcomes.mentor_growth(user=mentor.user)

    assert (growth.sessions, growth.overall, growth.topics, growth.feedback) == (0, None, [], [])
    assert growth.held.rate is None


def test_growth_is_for_mentors(frozen):
    with pytest.raises(NotFound):
        outcomes.mentor_growth(user=UserFactory())


def test_growth_counts_only_the_mentors_own_sessions(frozen, mentor):
    from tests.factories import MentorProfileFactory

    answered_outcome(MentorProfileFactory(), result="reached")

    assert outcomes.mentor_growth(user=mentor.user).sessions == 0
