"""Past sessions as index passages: their topics explain matches; private text is never indexed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headstrt.accounts.models import Area, Topic
from headstrt.matching.indexing import (
    indexed_mentors,
    mentor_index,
    mentor_index_rebuild,
    mentor_passages,
)
from headstrt.matching.query import SituationQuery
from headstrt.matching.ranking import rank_mentors
from headstrt.reviews.outcomes import outcome_record
from tests.factories import ExpertiseEntryFactory, MentorProfileFactory, TopicFactory
from tests.matching.track_record import outcomes_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def salary():
    return Topic.objects.select_related("parent").get(slug="career-salary-negotiation")


def sleep_coach():
    return ExpertiseEntryFactory(
        mentor=MentorProfileFactory(
            user__display_name="Sleep Coach", headline="Rest", bio="I help people rest."
        ),
        topic=TopicFactory(slug="t-sleep", name="Sleep", area=Area.PERSONAL),
        description="Insomnia and evening routines",
    ).mentor


def test_a_past_session_topic_explains_a_match(salary):
    coach = sleep_coach()
    outcomes_of(coach, ["reached", "reached", "not_reached"], topic=salary)

    [match] = rank_mentors(SituationQuery(text="Help with my salary negotiation")).matches

    [reason] = [reason for reason in match.reasons if reason.kind == "session"]
    assert reason.text == (
        "Your words “salary”, “negotiation” match their past session: "
        "Career › Salary negotiation — 3 sessions, objective reached in 2"
    )


def test_only_answered_outcomes_with_a_topic_make_passages(salary):
    coach = sleep_coach()
    outcomes_of(coach, ["", ""], topic=salary)
    outcomes_of(coach, ["reached"], topic=None)
    outcomes_of(coach, ["partly"], topic=salary)

    passages = mentor_passages(indexed_mentors().get(pk=coach.pk))

    assert [p.text for p in passages if p.kind == "session"] == [
        "Career › Salary negotiation — 1 session, objective reached in 0"
    ]


def test_the_private_objective_and_notes_are_never_indexed(salary):
    coach = sleep_coach()
    outcomes_of(
        coach,
        ["reached"],
        topic=salary,
        objective="Tell my boss about the zebrafish affair",
        note="The zebrafish secret is out",
    )

    passages = mentor_passages(indexed_mentors().get(pk=coach.pk))
    [match] = rank_mentors(SituationQuery(text="zebrafish affair secret")).matches

    assert not any("zebrafish" in passage.text for passage in passages)
    assert not any("zebrafish" in reason.matched_terms for reason in match.reasons)


def session_reasons(text="Help with my salary negotiation"):
    return [
        reason.text
        for match in rank_mentors(SituationQuery(text=text)).matches
        for reason in match.reasons
        if reason.kind == "session"
    ]


def test_a_recorded_outcome_reaches_the_index_without_a_rebuild(salary):
    coach = sleep_coach()
    index = mentor_index()
    assert session_reasons() == []
    [pending] = outcomes_of(coach, [""], topic=salary)

    outcome_record(mentee=pending.mentee, booking_id=pending.booking.public_id, result="reached")

    assert session_reasons() == [
        "Your words “salary”, “negotiation” match their past session: "
        "Career › Salary negotiation — 1 session, objective reached in 1"
    ]
    assert mentor_index() is index


@pytest.mark.parametrize("mentors", [2, 6])
def test_rebuilding_reads_past_sessions_in_a_fixed_number_of_queries(salary, mentors):
    for _ in range(mentors):
        coach = ExpertiseEntryFactory(description="Insomnia and evening routines").mentor
        outcomes_of(coach, ["reached", "partly"], topic=salary)

    with CaptureQueriesContext(connection) as queries:
        index = mentor_index_rebuild()

    # profiles, offers, languages, expertise (with topics), answered outcomes (with topics)
    assert len(queries) == 5
    assert len(index) == mentors
    assert len(session_reasons()) == mentors
