"""Reads: answers side by side in a useful order, the mentor's inbox, who sees what, and a
fixed number of queries for the lists."""

from datetime import timedelta

import pytest

from headstrt.perspectives import selectors, services
from headstrt.perspectives.models import AskStatus
from tests.factories import UserFactory
from tests.perspectives.asking import NOW, answer, answering_mentor, ask, ask_of
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_ways(mentee, frozen):
    """One question, five mentors: two answered (the later one marked most helpful), one
    waiting, one not paid yet, one declined; a sixth withdrawn."""
    names = ("Answered First", "Helpful", "Waiting", "Unpaid", "Declined")
    free = {name: answering_mentor(name, price=0) for name in names if name != "Unpaid"}
    unpaid = answering_mentor("Unpaid", price=1500)
    request = ask(mentee, *free.values(), unpaid)
    answer(ask_of(request, free["Answered First"]))
    frozen.move(hours=1)
    helpful = answer(ask_of(request, free["Helpful"]))
    services.perspective_mark_helpful(mentee=mentee, ask_id=helpful.public_id)
    services.perspective_follow_up(user=mentee, ask_id=helpful.public_id, text="Thanks!")
    services.perspective_decline(
        mentor=free["Declined"].user, ask_id=ask_of(request, free["Declined"]).public_id
    )
    return request, {**free, "Unpaid": unpaid}


def test_answers_side_by_side_helpful_first_then_waiting_then_the_rest(five_ways, mentee):
    request, _ = five_ways

    compared = selectors.perspective_comparison(
        request=selectors.perspective_request_get_for_mentee(
            request_id=request.public_id, mentee=mentee
        )
    )

    assert [(c.mentor_name, c.status) for c in compared] == [
        ("Helpful", AskStatus.ANSWERED),
        ("Answered First", AskStatus.ANSWERED),
        ("Waiting", AskStatus.ASKED),
        ("Unpaid", AskStatus.UNPAID),
        ("Declined", AskStatus.DECLINED),
    ]
    helpful, first, waiting, unpaid, _ = compared
    assert helpful.helpful and [f.text for f in helpful.follow_ups] == ["Thanks!"]
    assert first.answer and waiting.answer == "" and waiting.due_at == NOW + timedelta(hours=48)
    assert unpaid.price.minor == 1500 and unpaid.due_at is None


def test_only_the_mentee_gets_their_question(five_ways):
    request, named = five_ways

    for person in (UserFactory(), named["Waiting"].user):
        refused(
            "not_found",
            selectors.perspective_request_get_for_mentee,
            request_id=request.public_id,
            mentee=person,
        )


def test_the_inbox_lists_questions_awaiting_an_answer_first_by_deadline(mentee, frozen):
    ana = answering_mentor("Ana", price=0)
    later = ask(mentee, ana, answer_hours=72)
    sooner = ask(mentee, ana, answer_hours=12)
    done = ask(mentee, ana)
    answer(ask_of(done, ana))
    ask(mentee, answering_mentor("Someone Else", price=0))

    inbox = list(selectors.asks_for_mentor(mentor=ana.user))

    assert [a.request for a in inbox] == [sooner, later, done]


def test_anonymous_mentees_are_named_only_to_themselves(mentee):
    request = services.perspective_request_create(
        mentee=mentee, question="A question " * 10, open=True, anonymous=True
    )

    assert selectors.mentee_label(request, mentee) == "Mia Mentee"
    assert selectors.mentee_label(request, UserFactory()) == "Anonymous mentee"
    assert selectors.mentee_label(request, None) == "Anonymous mentee"


@pytest.mark.parametrize("count", [1, 4])
def test_the_mentees_questions_take_a_fixed_number_of_queries(
    mentee, django_assert_num_queries, count
):
    for _ in range(count):
        free = answering_mentor("Free", price=0)
        request = ask(mentee, free, answering_mentor("Paid"), open=True)
        answer(ask_of(request, free))
        services.perspective_follow_up(
            user=mentee, ask_id=ask_of(request, free).public_id, text="Why?"
        )

    # requests, languages, asks (with mentors), follow-ups, offers
    with django_assert_num_queries(5):
        shown = [
            (
                request.mentee.display_name,
                request.topic,
                [offer.mentor.user.display_name for offer in request.offers.all()],
                [
                    (compared.mentor_name, [f.author.display_name for f in compared.follow_ups])
                    for compared in selectors.perspective_comparison(request=request)
                ],
            )
            for request in selectors.perspective_requests_of(mentee=mentee)
        ]

    assert len(shown) == count


@pytest.mark.parametrize("count", [1, 4])
def test_the_inbox_takes_one_query(mentee, django_assert_num_queries, count):
    ana = answering_mentor("Ana", price=0)
    for _ in range(count):
        ask(mentee, ana)

    with django_assert_num_queries(1):
        shown = [
            (selectors.mentee_label(asked.request, ana.user), asked.request.topic, asked.price)
            for asked in selectors.asks_for_mentor(mentor=ana.user)
        ]

    assert len(shown) == count
