"""Open questions: mentors offer their perspective, the mentee accepts the offers they like."""

from datetime import timedelta

import pytest

from headstrt.accounts.models import MentorProfile
from headstrt.matching.models import MentorBlock
from headstrt.perspectives import services
from headstrt.perspectives.models import MAX_ASKED, AskStatus, PerspectiveOffer
from tests.factories import PerspectiveRequestFactory
from tests.perspectives.asking import NOW, QUESTION, answering_mentor, ask, ask_of, pay, state
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db

NOTE = "I negotiated my own raise twice last year and coach engineers on exactly this."


@pytest.fixture
def posted(mentee):
    """An open question in English with a budget of €30.00 per answer."""
    return services.perspective_request_create(
        mentee=mentee,
        question=QUESTION,
        open=True,
        budget_minor=3000,
        currency="EUR",
        languages=["en"],
    )


def set_answer_price(mentor, price):
    """The mentor changes their answer price after offering."""
    MentorProfile.objects.filter(pk=mentor.pk).update(answer_price_minor=price)


def offer(mentor, request, note=NOTE):
    return services.perspective_offer_make(
        mentor=mentor.user, request_id=request.public_id, note=note
    )


def test_a_mentor_offers_at_their_price_with_a_note(posted):
    ben = answering_mentor("Ben", price=2500)

    made = offer(ben, posted, note="  " + NOTE + "\r\n")

    assert (made.mentor, made.price_minor, made.currency, made.note) == (ben, 2500, "EUR", NOTE)
    assert made.created_at == NOW


def test_a_free_answer_fits_any_budget_in_any_currency(posted):
    free = answering_mentor("Free Dollars", price=0, currency="USD")

    assert offer(free, posted).price_minor == 0


def closed(request):
    request.closed_at = NOW
    request.save()
    return request


OFFER_REFUSALS = [
    ("request_closed", lambda req, me: (answering_mentor("Late"), closed(req), NOTE)),
    (
        "not_found",
        lambda req, me: (answering_mentor("Nosy"), PerspectiveRequestFactory(open=False), NOTE),
    ),
    ("own_request", lambda req, me: (answering_mentor("Me", user=me), req, NOTE)),
    ("not_answering", lambda req, me: (answering_mentor("Talker", price=None), req, NOTE)),
    ("mentor_paused", lambda req, me: (answering_mentor("Resting", is_active=False), req, NOTE)),
    ("over_budget", lambda req, me: (answering_mentor("Dear", price=3001), req, NOTE)),
    (
        "over_budget",
        lambda req, me: (answering_mentor("Dollars", price=1000, currency="USD"), req, NOTE),
    ),
    (
        "language_mismatch",
        lambda req, me: (answering_mentor("Francophone", languages=["fr"]), req, NOTE),
    ),
    ("required", lambda req, me: (answering_mentor("Silent"), req, "   ")),
    ("too_long", lambda req, me: (answering_mentor("Wordy"), req, "x" * 1001)),
]


@pytest.mark.parametrize(("code", "scenario"), OFFER_REFUSALS)
def test_offers_that_cannot_be_made_are_refused_and_leave_nothing(posted, mentee, code, scenario):
    mentor, request, note = scenario(posted, mentee)
    before = state()

    refused(code, offer, mentor=mentor, request=request, note=note)

    assert state() == before


def test_a_paused_person_cannot_offer(posted):
    resting = answering_mentor("Resting")
    resting.user.paused_until = NOW + timedelta(days=2)
    resting.user.save()

    refused("mentor_paused", offer, mentor=resting, request=posted)


def blocked_by(mentee, mentor):
    MentorBlock.objects.create(mentee=mentee, mentor=mentor.user)
    return mentor


def test_a_mentor_the_mentee_blocked_cannot_offer_and_the_mentee_hears_nothing(posted, mentee):
    ben = blocked_by(mentee, answering_mentor("Ben"))
    before = state()

    refused("not_found", offer, mentor=ben, request=posted)

    assert state() == before


def test_no_offer_is_taken_once_the_question_has_asked_as_many_mentors_as_it_can(posted, mentee):
    asked = [answering_mentor(f"Asked {n}", price=0) for n in range(MAX_ASKED)]
    services.perspective_ask_add(
        mentee=mentee, request_id=posted.public_id, mentor_ids=[m.user.public_id for m in asked]
    )
    before = state()

    refused("request_full", offer, mentor=answering_mentor("Ben"), request=posted)

    assert state() == before


def test_offering_twice_or_when_already_asked_is_refused(posted, mentee):
    ben, cleo = answering_mentor("Ben"), answering_mentor("Cleo")
    offer(ben, posted)
    services.perspective_ask_add(
        mentee=mentee, request_id=posted.public_id, mentor_ids=[cleo.user.public_id]
    )
    before = state()

    refused("already_offered", offer, mentor=ben, request=posted)
    refused("already_asked", offer, mentor=cleo, request=posted)

    assert state() == before


def test_accepted_offers_ask_their_mentors_at_the_price_offered(posted, mentee):
    ben, free = answering_mentor("Ben", price=2500), answering_mentor("Free", price=0)
    offers = [offer(ben, posted), offer(free, posted)]
    set_answer_price(ben, 2900)

    asks = services.perspective_offer_accept(
        mentee=mentee, request_id=posted.public_id, offer_ids=[o.public_id for o in offers]
    )

    assert [(a.mentor, a.price_minor, a.status) for a in asks] == [
        (ben, 2500, AskStatus.UNPAID),
        (free, 0, AskStatus.ASKED),
    ]
    pay(mentee, posted)
    assert ask_of(posted, ben).status == AskStatus.ASKED


def test_accepting_offers_is_refused_as_asking_is(posted, mentee):
    mentors = [answering_mentor(f"Mentor {n}", price=1000) for n in range(MAX_ASKED + 1)]
    offers = [offer(m, posted) for m in mentors]
    other = services.perspective_request_create(mentee=mentee, question=QUESTION, open=True)
    before = state()

    for code, offer_ids in (
        ("too_many_mentors", [o.public_id for o in offers]),
        ("same_mentor_twice", [offers[0].public_id, offers[0].public_id]),
        ("not_found", ["nosuchoffer1"]),
        ("nothing_to_ask", []),
    ):
        refused(
            code,
            services.perspective_offer_accept,
            mentee=mentee,
            request_id=posted.public_id,
            offer_ids=offer_ids,
        )
    refused(
        "not_found",
        services.perspective_offer_accept,
        mentee=mentee,
        request_id=other.public_id,
        offer_ids=[offers[0].public_id],
    )
    assert state() == before

    services.perspective_offer_accept(
        mentee=mentee, request_id=posted.public_id, offer_ids=[offers[0].public_id]
    )
    refused(
        "already_asked",
        services.perspective_offer_accept,
        mentee=mentee,
        request_id=posted.public_id,
        offer_ids=[offers[0].public_id],
    )
    services.perspective_request_close(mentee=mentee, request_id=posted.public_id)
    refused(
        "request_closed",
        services.perspective_offer_accept,
        mentee=mentee,
        request_id=posted.public_id,
        offer_ids=[offers[1].public_id],
    )


def test_an_asked_mentor_who_stopped_answering_cannot_be_accepted(posted, mentee):
    ben = answering_mentor("Ben")
    made = offer(ben, posted)
    set_answer_price(ben, None)
    before = state()

    refused(
        "not_answering",
        services.perspective_offer_accept,
        mentee=mentee,
        request_id=posted.public_id,
        offer_ids=[made.public_id],
    )

    assert state() == before and PerspectiveOffer.objects.count() == 1


def test_offers_on_a_question_asked_directly_too(mentee):
    ana = answering_mentor("Ana", price=0)
    request = ask(mentee, ana, open=True)

    made = offer(answering_mentor("Ben"), request)

    assert made.request == request
