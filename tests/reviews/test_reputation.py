"""Reputation: the Bayesian rating's properties, and ratings read from visible reviews only."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headstrt.reviews.models import Review
from headstrt.reviews.reputation import (
    PRIOR_MEAN,
    PRIOR_WEIGHT,
    bayesian_rating,
    ratings_given_by,
    ratings_of,
)
from headstrt.reviews.selectors import Reputation, mentor_reputation, reviews_visible_of
from tests.reviews.reviewing import review, reviewed_sessions

star_lists = st.lists(st.integers(min_value=1, max_value=5), max_size=300)


def test_the_documented_figures():
    assert (PRIOR_MEAN, PRIOR_WEIGHT) == (4.0, 5)
    assert bayesian_rating([]) == 4.0
    assert round(bayesian_rating([5]), 2) == 4.17
    assert round(bayesian_rating([5] * 160 + [4] * 40), 2) == 4.78


@given(star_lists)
def test_adding_a_5_star_review_never_lowers_a_score(stars):
    assert bayesian_rating([*stars, 5]) >= bayesian_rating(stars)


@given(star_lists)
def test_adding_a_1_star_review_never_raises_a_score(stars):
    assert bayesian_rating([*stars, 1]) <= bayesian_rating(stars)


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=200, max_size=200))
def test_one_5_star_review_never_outranks_4_8_from_200(stars):
    if sum(stars) / len(stars) < 4.8:
        # Nudge the list up to a mean of at least 4.8, keeping its length.
        stars = sorted(stars)
        while sum(stars) < 4.8 * 200:
            stars[stars.index(min(stars))] = 5
    assert bayesian_rating([5]) < bayesian_rating(stars)


@given(star_lists)
def test_a_score_stays_within_the_star_range(stars):
    assert 1 <= bayesian_rating(stars) <= 5


# --- ratings from the database -----------------------------------------------------------


@pytest.mark.django_db
def test_ratings_count_visible_reviews_only_on_one_side(done_session, mentor, mentee, frozen):
    review(done_session, mentee, 5, preparation=4, clarity=5)
    assert ratings_of([mentor.user_id], party="mentor") == {}  # still blind
    assert ratings_given_by(mentee.pk, [mentor.user_id]) == {mentor.user_id: 5.0}

    review(done_session, mentor.user, 2, respect=3)
    [rating] = ratings_of([mentor.user_id, mentee.pk], party="mentor").values()
    assert rating.count == 1 and round(rating.average, 2) == 4.17
    assert rating.distribution == {5: 1, 4: 0, 3: 0, 2: 0, 1: 0}
    assert rating.aspects == {"preparation": 4.0, "clarity": 5.0, "respect": None}
    assert rating.bars[0] == (5, 1, 100)
    as_mentee = ratings_of([mentee.pk], party="mentee")[mentee.pk]
    assert as_mentee.count == 1 and as_mentee.average == (20 + 2) / 6
    assert ratings_of([mentee.pk], party="mentor") == {}


@pytest.mark.django_db
def test_a_hidden_review_counts_for_nobody(done_session, mentor, mentee, staff, frozen):
    from headstrt.reviews import services

    written = review(done_session, mentee, 1, text="Rude words")
    frozen.set(done_session.end + timedelta(days=14))
    assert ratings_of([mentor.user_id], party="mentor")[mentor.user_id].count == 1
    services.review_hide(staff=staff, review_id=written.public_id, reason="Insults")
    assert ratings_of([mentor.user_id], party="mentor") == {}


@pytest.mark.django_db
def test_ratings_of_many_people_take_one_query(django_assert_num_queries, mentor):
    with django_assert_num_queries(1):
        ratings_of([mentor.user_id, 1, 2, 3], party="mentor")
    with django_assert_num_queries(1):
        ratings_given_by(mentor.user_id, [1, 2, 3])


@pytest.mark.django_db
def test_a_mentors_reputation_is_their_rating_and_latest_reviews_in_one_query(
    mentor, frozen, django_assert_num_queries
):
    assert mentor_reputation(mentor.user_id, latest=2) == Reputation(None, [], more=False)
    reviewed_sessions(mentor, frozen, stars=(5, 4, 3))
    Review.objects.filter(stars=4).update(preparation=2, clarity=5)
    Review.objects.filter(stars=3).update(preparation=3)

    with django_assert_num_queries(1):
        found = mentor_reputation(mentor.user_id, latest=2)

    assert found.rating == ratings_of([mentor.user_id], party="mentor")[mentor.user_id]
    assert found.rating.count == 3 and found.rating.aspects["respect"] is None
    assert found.latest == list(reviews_visible_of(mentor.user_id, party="mentor")[:2])
    assert [item.author.display_name for item in found.latest] == ["Mentee 2", "Mentee 1"]
    assert found.more
    # A hidden review leaves the rating and the list.
    Review.objects.filter(stars=3).update(hidden_at=frozen.now)
    found = mentor_reputation(mentor.user_id, latest=2)
    assert found.rating == ratings_of([mentor.user_id], party="mentor")[mentor.user_id]
    assert [item.stars for item in found.latest] == [4, 5] and not found.more
