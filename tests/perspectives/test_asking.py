"""Asking several mentors for written perspectives: who is asked, at what price, when the
question goes out, and every refusal leaving nothing behind."""

from datetime import timedelta

import pytest

from headstrt.accounts.models import Area
from headstrt.core.errors import DomainError
from headstrt.perspectives import services
from headstrt.perspectives.models import MAX_ASKED, AskStatus, PerspectiveAsk, PerspectiveRequest
from tests.factories import SituationFactory, TopicFactory, UserFactory
from tests.perspectives.asking import (
    NOW,
    QUESTION,
    answering_mentor,
    ask,
    ask_of,
    ids,
    pay,
    state,
)
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


def statuses(request):
    return {
        ask.mentor.user.display_name: ask.status
        for ask in request.asks.select_related("mentor__user")
    }


def test_free_answers_go_out_at_once_and_paid_ones_wait_for_the_payment(mentee, mentors):
    ana, ben, cleo = mentors

    request = ask(mentee, ana, ben, cleo, answer_hours=24)

    assert statuses(request) == {
        "Ana Free": AskStatus.ASKED,
        "Ben Paid": AskStatus.UNPAID,
        "Cleo Paid": AskStatus.UNPAID,
    }
    free = ask_of(request, ana)
    assert (free.asked_at, free.due_at) == (NOW, NOW + timedelta(hours=24))
    assert [ask_of(request, m).price_minor for m in (ana, ben, cleo)] == [0, 2000, 3500]
    assert request.currency == "EUR" and not request.open

    pay(mentee, request)

    assert set(statuses(request).values()) == {AskStatus.ASKED}
    assert ask_of(request, cleo).due_at == NOW + timedelta(hours=24)


def test_a_question_from_a_situation_takes_its_words_topic_languages_and_budget(mentee, mentors):
    topic = TopicFactory(slug="t-salary", name="Salary negotiation")
    situation = SituationFactory(
        mentee=mentee,
        title="Friday's negotiation",
        text=QUESTION,
        area=Area.PROFESSIONAL,
        topic=topic,
        budget_minor=5000,
        currency="EUR",
        languages=["en"],
    )

    request = services.perspective_request_create(
        mentee=mentee, situation_id=situation.public_id, open=True
    )

    assert (request.title, request.question, request.area, request.topic) == (
        "Friday's negotiation",
        QUESTION,
        Area.PROFESSIONAL,
        topic,
    )
    assert (request.budget_minor, request.currency) == (5000, "EUR")
    assert [language.code for language in request.languages.all()] == ["en"]
    assert request.situation == situation and request.open and not request.asks.exists()


def test_an_open_anonymous_question_needs_no_mentor(mentee):
    request = services.perspective_request_create(
        mentee=mentee,
        question=QUESTION,
        open=True,
        anonymous=True,
        budget_minor=3000,
        currency="eur",
    )

    assert request.open and request.anonymous
    assert (request.budget_minor, request.currency) == (3000, "EUR")


def test_asking_the_same_mentor_twice_in_one_call_is_refused(mentee, mentors):
    before = state()

    refused(
        "same_mentor_twice",
        services.perspective_request_create,
        mentee=mentee,
        question=QUESTION,
        mentor_ids=ids(mentors[1], mentors[2], mentors[1]),
    )

    assert state() == before


def test_asking_a_mentor_again_later_is_refused(mentee, mentors):
    ana, ben, cleo = mentors
    request = ask(mentee, ana, ben)
    before = state()

    error = refused(
        "already_asked",
        services.perspective_ask_add,
        mentee=mentee,
        request_id=request.public_id,
        mentor_ids=ids(cleo, ben),
    )

    assert "Ben Paid" in error.message and error.status == 409
    assert state() == before


def test_asking_more_mentors_than_allowed_is_refused_at_once_and_later(mentee):
    many = [answering_mentor(f"Mentor {n}", price=1000) for n in range(MAX_ASKED + 1)]
    before = state()

    error = refused(
        "too_many_mentors",
        services.perspective_request_create,
        mentee=mentee,
        question=QUESTION,
        mentor_ids=ids(*many),
    )
    assert error.status == 422 and str(MAX_ASKED) in error.message
    assert state() == before
    refused(
        "too_many_mentors",
        services.perspective_request_create,
        mentee=mentee,
        question=QUESTION,
        mentor_ids=ids(*many[:3]),
        auto=3,
    )
    assert state() == before

    request = ask(mentee, *many[:4])
    before = state()
    error = refused(
        "too_many_mentors",
        services.perspective_ask_add,
        mentee=mentee,
        request_id=request.public_id,
        mentor_ids=ids(*many[4:]),
    )
    assert "you can add 1" in error.message
    assert state() == before
    services.perspective_ask_add(
        mentee=mentee, request_id=request.public_id, mentor_ids=ids(many[4])
    )
    assert request.asks.count() == MAX_ASKED


def test_more_mentors_can_be_asked_later_and_free_ones_go_out_at_once(mentee, mentors):
    ana, ben, cleo = mentors
    request = ask(mentee, ben)

    added = services.perspective_ask_add(
        mentee=mentee, request_id=request.public_id, mentor_ids=ids(ana, cleo)
    )

    assert [a.status for a in added] == [AskStatus.ASKED, AskStatus.UNPAID]


def other_currency_mentor():
    return answering_mentor("Dollar Dan", price=2500, currency="USD")


def paused_mentor():
    mentor = answering_mentor("Paused Pat")
    mentor.user.paused_until = NOW + timedelta(days=3)
    mentor.user.save()
    return mentor


REFUSED_REQUESTS = [
    ("not_answering", lambda me: {"mentor_ids": ids(answering_mentor("Talker", price=None))}),
    ("own_profile", lambda me: {"mentor_ids": ids(answering_mentor("Me", user=me))}),
    (
        "mentor_paused",
        lambda me: {"mentor_ids": ids(answering_mentor("Resting", is_active=False))},
    ),
    ("mentor_paused", lambda me: {"mentor_ids": ids(paused_mentor())}),
    ("not_found", lambda me: {"mentor_ids": ["nosuchmentor1"]}),
    ("not_found", lambda me: {"mentor_ids": [42]}),
    ("nothing_to_ask", lambda me: {"mentor_ids": []}),
    ("required", lambda me: {"question": "   ", "open": True}),
    ("too_long", lambda me: {"question": "x" * 4001, "open": True}),
    ("too_long", lambda me: {"title": "x" * 121, "open": True}),
    ("invalid_hours", lambda me: {"answer_hours": 11, "open": True}),
    ("invalid_hours", lambda me: {"answer_hours": 169, "open": True}),
    ("invalid_hours", lambda me: {"answer_hours": "48", "open": True}),
    ("invalid_budget", lambda me: {"budget_minor": 0, "currency": "EUR", "open": True}),
    ("unknown_currency", lambda me: {"budget_minor": 100, "currency": "XXQ", "open": True}),
    ("unknown_topic", lambda me: {"topic_slug": "no-such-topic", "open": True}),
    ("unknown_area", lambda me: {"area": "spiritual", "open": True}),
    ("unknown_language", lambda me: {"languages": ["zz"], "open": True}),
    ("invalid_number", lambda me: {"auto": "2"}),
    ("invalid_mentors", lambda me: {"mentor_ids": 5}),
    ("invalid_text", lambda me: {"title": ["a list"], "open": True}),
    ("not_found", lambda me: {"situation_id": SituationFactory().public_id, "open": True}),
]


@pytest.mark.parametrize(("code", "arguments"), REFUSED_REQUESTS)
def test_bad_requests_are_refused_and_leave_nothing(mentee, mentors, code, arguments):
    kwargs = {"question": QUESTION, **arguments(mentee)}
    before = state()

    refused(code, services.perspective_request_create, mentee=mentee, **kwargs)

    assert state() == before


def test_paid_answers_in_two_currencies_are_refused(mentee, mentors):
    dan = other_currency_mentor()
    before = state()

    error = refused(
        "currency_mismatch",
        services.perspective_request_create,
        mentee=mentee,
        question=QUESTION,
        mentor_ids=ids(mentors[1], dan),
    )

    assert "EUR and USD" in error.message and state() == before
    request = ask(mentee, mentors[0], dan)  # a free answer's currency does not matter
    assert request.currency == "USD"
    refused(
        "currency_mismatch",
        services.perspective_ask_add,
        mentee=mentee,
        request_id=request.public_id,
        mentor_ids=ids(mentors[2]),
    )


def test_a_paused_mentee_cannot_ask(mentee, mentors):
    mentee.paused_until = NOW + timedelta(days=1)
    mentee.save()
    before = state()

    refused(
        "booking_paused",
        services.perspective_request_create,
        mentee=mentee,
        question=QUESTION,
        mentor_ids=ids(mentors[0]),
    )

    assert state() == before


def test_only_the_mentee_adds_mentors_to_their_question(mentee, mentors):
    request = ask(mentee, mentors[0])
    before = state()

    refused(
        "not_found",
        services.perspective_ask_add,
        mentee=UserFactory(),
        request_id=request.public_id,
        mentor_ids=ids(mentors[1]),
    )

    assert state() == before


def test_closing_withdraws_unpaid_questions_and_lets_sent_ones_run(mentee, mentors):
    ana, ben, cleo = mentors
    request = ask(mentee, ana, ben, open=True)

    closed = services.perspective_request_close(mentee=mentee, request_id=request.public_id)

    assert closed.closed_at == NOW
    assert statuses(request) == {"Ana Free": AskStatus.ASKED, "Ben Paid": AskStatus.WITHDRAWN}
    before = state()
    services.perspective_request_close(mentee=mentee, request_id=request.public_id)
    assert state() == before
    refused(
        "request_closed",
        services.perspective_ask_add,
        mentee=mentee,
        request_id=request.public_id,
        mentor_ids=ids(cleo),
    )
    assert state() == before


def test_a_question_withdrawn_unpaid_can_be_asked_again(mentee, mentors, frozen):
    ben = mentors[1]
    request = ask(mentee, ben)
    frozen.move(hours=25)
    assert services.perspectives_expire_due() == 1
    assert ask_of(request, ben).status == AskStatus.WITHDRAWN

    [again] = services.perspective_ask_add(
        mentee=mentee, request_id=request.public_id, mentor_ids=ids(ben)
    )

    assert again.pk == ask_of(request, ben).pk and again.status == AskStatus.UNPAID
    assert again.created_at == frozen.now
    pay(mentee, request)
    assert ask_of(request, ben).status == AskStatus.ASKED


def test_nothing_is_stored_when_a_later_check_fails(mentee, mentors):
    """The request row is written before the mentors are checked; a refusal rolls it back."""
    with pytest.raises(DomainError):
        ask(mentee, mentors[0], answering_mentor("Talker", price=None))

    assert not PerspectiveRequest.objects.exists() and not PerspectiveAsk.objects.exists()
