"""Ratings, outcomes, reliability and the mentee's own history in the ranking."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headstrt.accounts.models import Area, Topic, User
from headstrt.core import clock
from headstrt.matching import signals
from headstrt.matching.models import MentorBlock
from headstrt.matching.query import SituationQuery
from headstrt.matching.ranking import rank_mentors
from tests.factories import ExpertiseEntryFactory, MentorProfileFactory, TopicFactory, UserFactory
from tests.matching.track_record import no_shows_of, outcomes_of, reviews_of, sessions

pytestmark = pytest.mark.django_db

SALARY = "I have a salary negotiation on Friday and want to ask for a raise"


@pytest.fixture
def topics():
    salary = Topic.objects.select_related("parent").get(slug="career-salary-negotiation")
    return {
        "career": salary.parent,
        "salary": salary,
        "sleep": TopicFactory(slug="t-sleep", name="Sleep", area=Area.PERSONAL),
    }


def mentor(name, topic, description="Negotiating offers and raises as a recruiter"):
    entry = ExpertiseEntryFactory(
        mentor=MentorProfileFactory(
            user__display_name=name, headline="Mentor", bio="I coach people."
        ),
        topic=topic,
        description=description,
    )
    return entry.mentor


def names(result):
    return [match.mentor.user.display_name for match in result.matches]


def scores(result):
    return {match.mentor.user.display_name: match.score for match in result.matches}


def reasons(result, name):
    [match] = [m for m in result.matches if m.mentor.user.display_name == name]
    return {reason.kind: reason.text for reason in match.reasons}


def test_the_reputation_providers_are_registered():
    assert {"rating", "outcome", "reliability", "history"} <= {
        provider.name for provider in signals.providers()
    }


def test_good_ratings_raise_the_rank_and_are_shown_with_their_count(topics):
    mentor("Unrated", topics["salary"])
    rated = mentor("Well Rated", topics["salary"])
    reviews_of(rated, [5] * 9 + [4])

    result = rank_mentors(SituationQuery(text=SALARY))

    assert names(result) == ["Well Rated", "Unrated"]
    best, unrated = result.matches
    assert best.reviews == 10 and best.rating == pytest.approx((20 + 49) / 15)
    assert reasons(result, "Well Rated")["rating"] == "Rated 4.6 from 10 reviews"
    assert (unrated.rating, unrated.reviews, unrated.outcome_rate) == (None, 0, None)
    assert "rating" not in reasons(result, "Unrated")


def test_one_five_star_review_does_not_outrank_many_good_ones(topics):
    lucky = mentor("One Review", topics["salary"])
    proven = mentor("Two Hundred", topics["salary"])
    reviews_of(lucky, [5])
    reviews_of(proven, [5] * 160 + [4] * 40)

    result = rank_mentors(SituationQuery(text=SALARY))

    assert names(result) == ["Two Hundred", "One Review"]
    assert result.matches[0].rating == pytest.approx(4.78, abs=0.01)
    assert result.matches[1].rating == pytest.approx(4.17, abs=0.01)
    assert reasons(result, "One Review")["rating"] == "Rated 4.2 from 1 review"


def test_reviews_still_blind_do_not_count(topics):
    mentor("Unrated", topics["salary"])
    blind = mentor("Blind", topics["salary"])
    reviews_of(blind, [1, 1, 1], revealed=False)

    result = rank_mentors(SituationQuery(text=SALARY))

    assert scores(result)["Blind"] == scores(result)["Unrated"]
    assert all(match.rating is None for match in result.matches)
    assert "rating" not in reasons(result, "Blind")


def test_a_blocked_mentor_is_never_shown_whatever_their_rating(topics):
    mentee = UserFactory()
    blocked = mentor("Blocked Star", topics["salary"])
    mentor("Allowed", topics["salary"])
    reviews_of(blocked, [5] * 50, author=mentee)
    MentorBlock.objects.create(mentee=mentee, mentor=blocked.user)

    result = rank_mentors(SituationQuery(text=SALARY, mentee_id=mentee.pk))

    assert names(result) == ["Allowed"]


def test_a_paused_mentor_is_never_shown_until_the_pause_ends(topics):
    paused = mentor("Paused Star", topics["salary"])
    mentor("Allowed", topics["salary"])
    reviews_of(paused, [5] * 50)
    User.objects.filter(pk=paused.user_id).update(paused_until=clock.now() + timedelta(days=14))

    assert names(rank_mentors(SituationQuery(text=SALARY))) == ["Allowed"]

    User.objects.filter(pk=paused.user_id).update(paused_until=clock.now() - timedelta(hours=1))
    assert names(rank_mentors(SituationQuery(text=SALARY))) == ["Paused Star", "Allowed"]


def test_the_mentee_is_shown_again_the_mentors_they_rated_well(topics):
    mentee = UserFactory()
    liked = mentor("Liked Before", topics["salary"])
    mentor("Other", topics["salary"])
    # Still blind to everyone else: only the mentee's own history counts.
    reviews_of(liked, [5], author=mentee, revealed=False)

    anyone = rank_mentors(SituationQuery(text=SALARY))
    theirs = rank_mentors(SituationQuery(text=SALARY, mentee_id=mentee.pk))

    assert scores(anyone)["Liked Before"] == scores(anyone)["Other"]
    assert names(theirs) == ["Liked Before", "Other"]
    assert reasons(theirs, "Liked Before")["history"] == "You rated them 5★ before"
    assert theirs.matches[0].rating is None  # the blind review is no public rating


def test_a_poor_rating_by_the_mentee_lowers_that_mentor_for_them(topics):
    mentee = UserFactory()
    mentor("Second", topics["salary"])
    disliked = mentor("Disliked", topics["salary"])
    reviews_of(disliked, [2, 1], author=mentee, revealed=False)

    result = rank_mentors(SituationQuery(text=SALARY, mentee_id=mentee.pk))

    assert names(result) == ["Second", "Disliked"]
    assert reasons(result, "Disliked")["history"] == "You rated them 1.5★ before"


def test_outcomes_count_per_topic_when_the_situation_names_one(topics):
    salary_record = mentor("Salary Record", topics["salary"])
    sleep_record = mentor("Sleep Record", topics["salary"])
    outcomes_of(salary_record, ["reached"] * 4 + ["partly"], topic=topics["salary"])
    outcomes_of(sleep_record, ["reached"] * 8)  # sessions of no known topic
    outcomes_of(sleep_record, ["not_reached"] * 3, topic=topics["salary"])

    chosen = rank_mentors(SituationQuery(text=SALARY, topic=topics["salary"].slug))
    read_from_text = rank_mentors(SituationQuery(text=SALARY))
    by_category = rank_mentors(SituationQuery(text=SALARY, topic=topics["career"].slug))
    elsewhere = rank_mentors(SituationQuery(text="I want to negotiate offers better"))

    on_salary = "Objective reached in 4 of 5 sessions on Career › Salary negotiation"
    for result in (chosen, read_from_text):
        assert names(result) == ["Salary Record", "Sleep Record"]
        assert reasons(result, "Salary Record")["outcome"] == on_salary
        assert reasons(result, "Sleep Record")["outcome"] == (
            "Objective reached in 0 of 3 sessions on Career › Salary negotiation"
        )
    assert names(by_category) == ["Salary Record", "Sleep Record"]
    assert reasons(by_category, "Salary Record")["outcome"] == (
        "Objective reached in 4 of 5 sessions on Career"
    )
    assert reasons(elsewhere, "Sleep Record")["outcome"] == "Objective reached in 8 of 11 sessions"
    assert reasons(elsewhere, "Salary Record")["outcome"] == "Objective reached in 4 of 5 sessions"
    rates = {m.mentor.user.display_name: m.outcome_rate for m in chosen.matches}
    assert rates["Salary Record"] == pytest.approx((1.8 + 4.5) / 8)


def test_a_mentor_without_outcomes_on_the_topic_is_judged_on_all_their_sessions(topics):
    mentor("No Record", topics["salary"])
    elsewhere = mentor("Record Elsewhere", topics["salary"])
    outcomes_of(elsewhere, ["reached"] * 6, topic=topics["sleep"])

    result = rank_mentors(SituationQuery(text=SALARY, topic=topics["salary"].slug))

    assert names(result) == ["Record Elsewhere", "No Record"]
    assert reasons(result, "Record Elsewhere")["outcome"] == "Objective reached in 6 of 6 sessions"
    assert "outcome" not in reasons(result, "No Record")


def test_missed_sessions_lower_the_rank_and_say_so(topics):
    mentor("Newcomer", topics["salary"])
    reliable = mentor("Reliable", topics["salary"])
    missing = mentor("Often Absent", topics["salary"])
    no_shows_of(missing, 2)
    sessions(missing, UserFactory(), 8)
    sessions(reliable, UserFactory(), 10)

    result = rank_mentors(SituationQuery(text=SALARY))

    # A clean record and no record weigh the same: only lapses count.
    assert names(result)[-1] == "Often Absent"
    assert scores(result)["Reliable"] == scores(result)["Newcomer"] > scores(result)["Often Absent"]
    assert reasons(result, "Often Absent")["reliability"] == "Missed 2 sessions recently"
    assert "reliability" not in reasons(result, "Reliable")


def test_ranking_with_a_track_record_costs_a_fixed_number_of_queries(topics, monkeypatch):
    mentee = UserFactory()
    query = SituationQuery(text=SALARY, mentee_id=mentee.pk, topic=topics["salary"].slug)

    def add_mentors(count):
        for n in range(count):
            record = mentor(f"Mentor {n}", topics["salary"])
            reviews_of(record, [5, 4], author=mentee)
            outcomes_of(record, ["reached", "partly"], topic=topics["salary"])
            no_shows_of(record, 1)
        rank_mentors(query)  # brings the index up to date

    def queries():
        with CaptureQueriesContext(connection) as measured:
            result = rank_mentors(query)
        return len(measured), result

    add_mentors(2)
    with_two, _ = queries()
    add_mentors(6)
    with_eight, result = queries()
    monkeypatch.setattr(
        signals,
        "_providers",
        [p for p in signals.providers() if p.name not in REPUTATION],
    )
    without_reputation, _ = queries()

    assert with_two == with_eight
    # The mentors' standings are kept from the ranking before: the situation's topic 1 and
    # the mentee's own ratings 1 are all that is read.
    assert with_eight - without_reputation == 2
    assert len(result.matches) == 8
    assert all(match.reviews == 2 for match in result.matches)
    assert all(match.outcome_rate is not None for match in result.matches)


REPUTATION = ("rating", "outcome", "reliability", "history")
