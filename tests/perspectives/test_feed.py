"""Reverse matching: each mentor's feed of open questions, ranked by fit to their own
expertise, with reasons; what they cannot offer on never shows."""

import pytest

from headstrt.accounts.models import Area
from headstrt.matching.indexing import mentor_index
from headstrt.matching.models import MentorBlock
from headstrt.perspectives import services
from headstrt.perspectives.feed import open_requests_for_mentor, open_requests_notice
from headstrt.perspectives.models import MAX_ASKED, AskStatus, PerspectiveAsk
from tests.factories import PerspectiveRequestFactory, TopicFactory, UserFactory
from tests.perspectives.asking import NOW, answering_mentor

pytestmark = pytest.mark.django_db

SALARY_QUESTION = (
    "My manager offered a 3% raise but the market pays far more for my role. How do I "
    "negotiate my salary without sounding ungrateful?"
)
PARENTING_QUESTION = (
    "My teenage daughter has stopped talking to us since she changed school. How do we "
    "get her to open up again without pushing her away?"
)


@pytest.fixture
def topics():
    career = TopicFactory(slug="t-career", name="Career", area=Area.PROFESSIONAL)
    family = TopicFactory(slug="t-family", name="Family", area=Area.PERSONAL)
    return {
        "salary": TopicFactory(
            slug="t-salary", name="Salary negotiation", parent=career, area=Area.PROFESSIONAL
        ),
        "promotion": TopicFactory(
            slug="t-promotion", name="Promotions", parent=career, area=Area.PROFESSIONAL
        ),
        "teens": TopicFactory(
            slug="t-teens", name="Parenting teenagers", parent=family, area=Area.PERSONAL
        ),
    }


@pytest.fixture
def experts(topics):
    return {
        "salary": answering_mentor(
            "Pay Expert",
            topic=topics["salary"],
            description="Salary negotiation: raises, offers and pay conversations",
        ),
        "parenting": answering_mentor(
            "Family Guide",
            topic=topics["teens"],
            description="Parenting teenagers who stopped talking to their parents",
        ),
    }


def questions(items):
    return [item.request.question for item in items]


@pytest.mark.parametrize("with_topics", [True, False], ids=["taxonomy", "words only"])
def test_each_mentor_sees_first_the_questions_closest_to_their_expertise(
    experts, topics, with_topics
):
    PerspectiveRequestFactory(
        question=SALARY_QUESTION, topic=topics["salary"] if with_topics else None
    )
    PerspectiveRequestFactory(
        question=PARENTING_QUESTION, topic=topics["teens"] if with_topics else None
    )

    for_salary = open_requests_for_mentor(mentor=experts["salary"].user)
    for_parenting = open_requests_for_mentor(mentor=experts["parenting"].user)

    assert questions(for_salary) == [SALARY_QUESTION, PARENTING_QUESTION]
    assert questions(for_parenting) == [PARENTING_QUESTION, SALARY_QUESTION]
    assert for_salary[0].score > for_salary[1].score


def test_reasons_say_in_words_why_a_question_fits(experts, topics, frozen):
    PerspectiveRequestFactory(
        question=SALARY_QUESTION, topic=topics["salary"], budget_minor=3000, currency="EUR"
    )
    PerspectiveRequestFactory(question="How do I ask for a promotion?", topic=topics["promotion"])
    frozen.move(hours=3)

    first, second = open_requests_for_mentor(mentor=experts["salary"].user)

    assert first.reasons == (
        "Close to your expertise in Career › Salary negotiation",
        "Same topic as your expertise: Career › Salary negotiation",
        "Pays up to €30.00 per answer; you charge €20.00",
        "Posted 3 h ago",
    )
    assert "In Career, where you have expertise" in second.reasons


def test_an_anonymous_mentee_stays_anonymous_in_the_feed(experts):
    PerspectiveRequestFactory(
        question=SALARY_QUESTION, anonymous=True, mentee__display_name="Hidden Name"
    )
    PerspectiveRequestFactory(question=PARENTING_QUESTION, mentee__display_name="Open Name")

    labels = {item.mentee_label for item in open_requests_for_mentor(mentor=experts["salary"].user)}

    assert labels == {"Anonymous mentee", "Open Name"}


def test_questions_a_mentor_cannot_offer_on_never_show(experts):
    pay_expert = experts["salary"]
    fitting = PerspectiveRequestFactory(question=SALARY_QUESTION)
    asked = PerspectiveRequestFactory(question=SALARY_QUESTION + " (asked)")
    PerspectiveAsk.objects.create(
        request=asked, mentor=pay_expert, price_minor=2000, currency="EUR", created_at=NOW
    )
    offered = PerspectiveRequestFactory(question=SALARY_QUESTION + " (offered)")
    services.perspective_offer_make(
        mentor=pay_expert.user, request_id=offered.public_id, note="I can help with this."
    )
    PerspectiveRequestFactory(question=SALARY_QUESTION + " (closed)", closed_at=NOW)
    PerspectiveRequestFactory(question=SALARY_QUESTION + " (not open)", open=False)
    PerspectiveRequestFactory(question=SALARY_QUESTION + " (own)", mentee=pay_expert.user)
    PerspectiveRequestFactory(question=SALARY_QUESTION + " (in French)", languages=["fr"])
    PerspectiveRequestFactory(
        question=SALARY_QUESTION + " (cheap)", budget_minor=1999, currency="EUR"
    )
    PerspectiveRequestFactory(
        question=SALARY_QUESTION + " (dollars)", budget_minor=9000, currency="USD"
    )
    blocker = PerspectiveRequestFactory(question=SALARY_QUESTION + " (blocked)")
    MentorBlock.objects.create(mentee=blocker.mentee, mentor=pay_expert.user)
    full = PerspectiveRequestFactory(question=SALARY_QUESTION + " (full)")
    for n in range(MAX_ASKED):
        PerspectiveAsk.objects.create(
            request=full,
            mentor=answering_mentor(f"Asked {n}"),
            price_minor=0,
            currency="EUR",
            status=AskStatus.ASKED,
            created_at=NOW,
        )
    withdrawn = PerspectiveRequestFactory(question=SALARY_QUESTION + " (withdrawn before)")
    PerspectiveAsk.objects.create(
        request=withdrawn,
        mentor=pay_expert,
        price_minor=2000,
        currency="EUR",
        status=AskStatus.WITHDRAWN,
        created_at=NOW,
    )
    english = PerspectiveRequestFactory(question=SALARY_QUESTION + " (English)", languages=["en"])

    shown = {item.request for item in open_requests_for_mentor(mentor=pay_expert.user)}

    assert shown == {fitting, withdrawn, english}


def test_a_mentor_who_does_not_answer_in_writing_is_told_to_set_a_price(experts):
    PerspectiveRequestFactory(question=SALARY_QUESTION)
    talker = answering_mentor("Talker", price=None)

    assert open_requests_for_mentor(mentor=talker.user) == []
    assert "Set a price for written answers" in open_requests_notice(mentor=talker.user)
    assert open_requests_notice(mentor=experts["salary"].user) == ""
    assert "Open a mentor profile" in open_requests_notice(mentor=UserFactory())
    assert open_requests_for_mentor(mentor=UserFactory()) == []


def test_a_free_mentor_sees_questions_of_any_budget(topics):
    free = answering_mentor("Free", price=0, topic=topics["salary"])
    tight = PerspectiveRequestFactory(question=SALARY_QUESTION, budget_minor=100, currency="JPY")

    assert [item.request for item in open_requests_for_mentor(mentor=free.user)] == [tight]


def test_the_feed_is_cut_to_the_limit(experts):
    for n in range(4):
        PerspectiveRequestFactory(question=f"{SALARY_QUESTION} ({n})")

    assert len(open_requests_for_mentor(mentor=experts["salary"].user, limit=3)) == 3


@pytest.mark.usefixtures("steady_index_refresh")
@pytest.mark.parametrize("count", [2, 8])
def test_the_feed_takes_a_fixed_number_of_queries(experts, django_assert_num_queries, count):
    for n in range(count):
        PerspectiveRequestFactory(
            question=f"{SALARY_QUESTION} ({n})", languages=["en"], anonymous=n % 2 == 0
        )
    mentor = experts["salary"].user
    mentor_index()

    # profile, expertise, languages, questions; then the index's check of the mentors changed
    # lately (their stamps alone: nothing changed, so no details are read)
    with django_assert_num_queries(5):
        items = open_requests_for_mentor(mentor=mentor)
        shown = [(item.mentee_label, item.request.mentee, item.request.topic) for item in items]

    assert len(shown) == count
