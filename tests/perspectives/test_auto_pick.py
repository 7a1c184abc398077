"""Mentors picked automatically: relevant, answering in writing, and with different
backgrounds rather than five near-identical profiles (the matching engine's diversity)."""

import numpy as np
import pytest

from headstrt.accounts.models import Area
from headstrt.matching.indexing import mentor_index
from headstrt.matching.models import MentorBlock
from headstrt.matching.query import SituationQuery
from headstrt.matching.ranking import rank_mentors
from headstrt.perspectives import services
from headstrt.perspectives.models import AskStatus
from tests.factories import SituationFactory, TopicFactory
from tests.perspectives.asking import answering_mentor, state
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db

SALARY = "salary negotiation for my raise: how do I ask for more pay?"
RECRUITER = "Salary negotiation for software engineers: offers, raises and pay"


@pytest.fixture
def salary():
    return TopicFactory(slug="t-salary", name="Salary negotiation", area=Area.PROFESSIONAL)


@pytest.fixture
def five_recruiters_and_two_others(salary):
    """Five near-identical recruiters, and two relevant mentors from other backgrounds."""
    recruiters = [
        answering_mentor(f"Recruiter {n}", topic=salary, description=RECRUITER) for n in range(5)
    ]
    union = answering_mentor(
        "Union Rep",
        topic=TopicFactory(slug="t-unions", name="Workplace rights", area=Area.PROFESSIONAL),
        description="Salary negotiation from the union side: collective pay and raises",
    )
    founder = answering_mentor(
        "Founder",
        topic=TopicFactory(slug="t-startups", name="Running a startup", area=Area.PROFESSIONAL),
        description="Hiring as a founder: how I decide on pay when someone asks for a raise",
    )
    return recruiters, [union, founder]


def picked(request):
    return [ask.mentor for ask in request.asks.select_related("mentor__user").order_by("pk")]


def cosine(a, b) -> float:
    index = mentor_index()
    return float(np.dot(index.mentor_vector(a.pk), index.mentor_vector(b.pk)))


def test_three_picked_for_me_are_not_three_near_identical_recruiters(
    mentee, five_recruiters_and_two_others
):
    recruiters, others = five_recruiters_and_two_others
    plain = rank_mentors(SituationQuery(text=SALARY), limit=3).matches
    assert {match.mentor for match in plain} <= set(recruiters)  # without diversity

    request = services.perspective_request_create(mentee=mentee, question=SALARY, auto=3)

    chosen = picked(request)
    assert len(chosen) == 3 and chosen[0] in recruiters
    assert len(set(chosen) & set(recruiters)) <= 1
    assert set(chosen) & set(others)
    assert all(cosine(a, b) < 0.99 for i, a in enumerate(chosen) for b in chosen[i + 1 :]), (
        "near-duplicate profiles picked"
    )
    assert {ask.status for ask in request.asks.all()} == {AskStatus.UNPAID}


def test_picks_only_mentors_who_answer_in_writing_within_currency_and_budget(mentee, salary):
    answering_mentor("Talker", topic=salary, description=RECRUITER, price=None)
    answering_mentor("Dear", topic=salary, description=RECRUITER, price=9000)
    answering_mentor("Dollars", topic=salary, description=RECRUITER, currency="USD")
    writer = answering_mentor("Writer", topic=salary, description=RECRUITER, price=1500)

    request = services.perspective_request_create(
        mentee=mentee, question=SALARY, auto=2, budget_minor=2000, currency="EUR"
    )

    assert picked(request) == [writer]


def test_picks_come_from_the_situation_and_add_to_the_mentors_named(mentee, salary):
    named = answering_mentor("Named", topic=salary, description=RECRUITER)
    other = answering_mentor("Other", topic=salary, description=RECRUITER)
    situation = SituationFactory(mentee=mentee, text=SALARY)

    request = services.perspective_request_create(
        mentee=mentee, situation_id=situation.public_id, mentor_ids=[named.user.public_id], auto=2
    )

    assert picked(request) == [named, other] and request.question == SALARY


def test_never_picks_the_mentee_or_a_mentor_they_blocked(mentee, salary):
    answering_mentor("Me", topic=salary, description=RECRUITER, user=mentee)
    blocked = answering_mentor("Blocked", topic=salary, description=RECRUITER)
    MentorBlock.objects.create(mentee=mentee, mentor=blocked.user)
    before = state()

    refused(
        "no_mentors_found",
        services.perspective_request_create,
        mentee=mentee,
        question=SALARY,
        auto=2,
    )

    assert state() == before


def test_an_open_question_goes_up_even_when_nobody_is_picked(mentee):
    request = services.perspective_request_create(mentee=mentee, question=SALARY, auto=2, open=True)

    assert request.open and not request.asks.exists()
