"""The mentor's perspective pages: the inbox with due times, a question (anonymous when
posted so), answering or declining it, the other answers only after one's own, follow-ups,
the feed of open situations with its reasons and the offer form; refusals with nothing
changed, access, and pinned query counts."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

from datetime import timedelta

import pytest
from django.urls import reverse

from headstrt.perspectives import services
from headstrt.perspectives.models import AskStatus, PerspectiveOffer
from tests.factories import UserFactory
from tests.perspectives.asking import (
    ANSWER,
    QUESTION,
    answer,
    answering_mentor,
    ask,
    ask_of,
    pay,
    state,
)
from tests.perspectives.conftest import frozen, mentee, mentors

pytestmark = pytest.mark.django_db


def url(name, *args) -> str:
    return reverse(f"web:{name}", args=args)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def as_person(client, person):
    client.force_login(person)
    return client


def asked_request(mentee, *mentors, **extra):
    request = ask(mentee, *mentors, **extra)
    pay(mentee, request)
    return request


# --- the inbox ------------------------------------------------------------------------------------


def test_the_inbox_lists_the_questions_with_their_due_time(client, mentee, mentors):
    ben = mentors[1]
    asked_request(mentee, ben)
    asked_request(mentee, ben, question=QUESTION + " Anonymous.", anonymous=True, title="Hidden")
    ask(mentee, mentors[2])  # unpaid: not Ben's, and never shown before payment anyway

    page = html(as_person(client, ben.user).get(url("perspective_inbox")))

    assert page.count('class="card session-item"') == 2
    assert "From Mia Mentee · €20.00 · answer by" in page
    assert "From Anonymous mentee" in page and "Hidden" in page
    assert 'datetime="2030-03-06T09:00:00+01:00"' in page  # 48 hours on, on the mentor's clock


def test_the_inbox_tells_a_mentor_without_an_answer_price_how_to_be_asked(client):
    silent = answering_mentor("Sam Silent", price=None)
    page = html(as_person(client, silent.user).get(url("perspective_inbox")))
    assert "set the price of a written answer" in page and "No questions yet." in page


def test_an_unpaid_question_is_not_in_the_inbox_nor_reachable(client, mentee, mentors):
    request = ask(mentee, mentors[1])
    as_person(client, mentors[1].user)
    assert "No questions yet." in html(client.get(url("perspective_inbox")))
    assert (
        client.get(url("perspective_ask", ask_of(request, mentors[1]).public_id)).status_code == 404
    )


@pytest.mark.parametrize("count", [1, 4])
def test_the_inbox_costs_a_fixed_number_of_queries(
    client, mentee, mentors, django_assert_num_queries, count
):
    for n in range(count):
        asked_request(mentee, mentors[1], question=f"{QUESTION} {n}")
    as_person(client, mentors[1].user)
    # session, user, unread notifications; the mentor profile; count, page with requests
    with django_assert_num_queries(6):
        response = client.get(url("perspective_inbox"))
    assert len(response.context["page"].items) == count


# --- answering ------------------------------------------------------------------------------------


def test_a_mentor_sees_the_others_answers_only_after_giving_their_own(client, mentee, mentors):
    ana, ben = mentors[0], mentors[1]
    request = asked_request(mentee, ana, ben, anonymous=True)
    answer(ask_of(request, ana), ANSWER + " From Ana.")
    ben_ask = ask_of(request, ben)
    as_person(client, ben.user)

    before = html(client.get(url("perspective_ask", ben_ask.public_id)))
    assert "From Anonymous mentee" in before and "Mia Mentee" not in before
    assert QUESTION in before
    assert "From Ana." not in before and "once you have sent yours" in before

    response = client.post(
        url("perspective_answer", ben_ask.public_id), {"answer": ANSWER + " From Ben."}
    )
    assert response["Location"] == url("perspective_ask", ben_ask.public_id)
    after = html(client.get(response["Location"]))
    assert "Your answer is sent." in after and "From Ben." in after
    assert "From Ana." in after and "Ana Free" in after
    ben_ask.refresh_from_db()
    assert ben_ask.status == AskStatus.ANSWERED


def test_a_short_answer_is_refused_on_its_field_and_nothing_changes(client, mentee, mentors):
    request = asked_request(mentee, mentors[1])
    ben_ask = ask_of(request, mentors[1])
    before = state()
    page = html(
        as_person(client, mentors[1].user).post(
            url("perspective_answer", ben_ask.public_id), {"answer": "Just ask for more."}
        )
    )
    assert 'id="id_answer_error"' in page and "at least 80 characters" in page
    assert "Just ask for more.</textarea>" in page
    assert state() == before


def test_answering_after_the_deadline_is_refused_and_the_mentee_refunded(
    client, mentee, mentors, frozen
):
    request = asked_request(mentee, mentors[1])
    ben_ask = ask_of(request, mentors[1])
    frozen.move(hours=49)
    response = as_person(client, mentors[1].user).post(
        url("perspective_answer", ben_ask.public_id), {"answer": ANSWER}
    )
    page = html(client.get(response["Location"]))
    assert "deadline" in page and "the mentee was refunded" in page
    ben_ask.refresh_from_db()
    assert (ben_ask.status, ben_ask.answer) == (AskStatus.EXPIRED, "")


def test_declining_refunds_the_mentee_and_returns_to_the_inbox(client, mentee, mentors):
    request = asked_request(mentee, mentors[1])
    ben_ask = ask_of(request, mentors[1])
    response = as_person(client, mentors[1].user).post(
        url("perspective_decline", ben_ask.public_id), {"reason": "Not my field"}
    )
    assert response["Location"] == url("perspective_inbox")
    assert "You declined." in html(client.get(response["Location"]))
    ben_ask.refresh_from_db()
    assert (ben_ask.status, ben_ask.decline_reason) == (AskStatus.DECLINED, "Not my field")
    page = html(client.get(url("perspective_ask", ben_ask.public_id)))
    assert "You declined this question: “Not my field”" in page
    assert "Send your answer" not in page


def test_the_mentor_replies_under_their_answer(client, mentee, mentors):
    request = asked_request(mentee, mentors[1])
    ben_ask = answer(ask_of(request, mentors[1]))
    services.perspective_follow_up(user=mentee, ask_id=ben_ask.public_id, text="What if no?")
    as_person(client, mentors[1].user)

    response = client.post(
        url("perspective_follow_up", ben_ask.public_id), {"text": "Then ask for a review date."}
    )

    assert response["Location"] == url("perspective_ask", ben_ask.public_id) + "#follow-ups"
    page = html(client.get(response["Location"]))
    assert "What if no?" in page and "Then ask for a review date." in page
    assert "2 messages left." in page


def test_nobody_else_reaches_a_mentor_s_question(client, mentee, mentors):
    request = asked_request(mentee, mentors[1], mentors[2])
    ben_ask = ask_of(request, mentors[1])
    before = state()
    for person in (mentors[2].user, mentee, UserFactory()):
        as_person(client, person)
        assert client.get(url("perspective_ask", ben_ask.public_id)).status_code == 404
        for name, data in [
            ("perspective_answer", {"answer": ANSWER}),
            ("perspective_decline", {"reason": ""}),
        ]:
            assert client.post(url(name, ben_ask.public_id), data).status_code == 404, name
    assert state() == before


# --- the feed of open situations ------------------------------------------------------------------


def test_the_feed_shows_open_situations_with_reasons_and_takes_an_offer(client, mentee, mentors):
    ben = mentors[1]
    request = services.perspective_request_create(
        mentee=mentee, question=QUESTION, title="Friday offer", open=True, anonymous=True
    )
    as_person(client, ben.user)

    page = html(client.get(url("perspective_feed")))
    assert "Friday offer" in page and "From Anonymous mentee" in page
    assert "Posted less than an hour ago" in page
    assert f'action="{url("perspective_offer", request.public_id)}"' in page

    response = client.post(
        url("perspective_offer", request.public_id), {"note": "Twelve years as a recruiter."}
    )
    assert response["Location"] == url("perspective_feed")
    page = html(client.get(response["Location"]))
    assert "Your offer is sent." in page and "Friday offer" not in page  # offered: left out
    offer = PerspectiveOffer.objects.get()
    assert (offer.mentor, offer.price_minor) == (ben, 2000)


def test_an_empty_note_is_shown_on_that_situation_s_form(client, mentee, mentors):
    request = services.perspective_request_create(mentee=mentee, question=QUESTION, open=True)
    before = state()
    page = html(
        as_person(client, mentors[1].user).post(
            url("perspective_offer", request.public_id), {"note": ""}
        )
    )
    assert f'id="id_{request.public_id}_note_error"' in page
    assert state() == before


def test_an_offer_on_a_closed_post_is_refused(client, mentee, mentors):
    request = services.perspective_request_create(mentee=mentee, question=QUESTION, open=True)
    services.perspective_request_close(mentee=mentee, request_id=request.public_id)
    before = state()
    response = as_person(client, mentors[1].user).post(
        url("perspective_offer", request.public_id), {"note": "I can help."}
    )
    assert "closed" in html(client.get(response["Location"]))
    assert state() == before


def test_an_offer_on_an_unknown_or_unopen_question_is_not_found(client, mentee, mentors):
    asked = ask(mentee, mentors[0])  # asked directly, not posted openly
    as_person(client, mentors[1].user)
    for request_id in (asked.public_id, "nosuchquestion"):
        response = client.post(url("perspective_offer", request_id), {"note": "Me!"})
        assert response.status_code == 404


def test_the_feed_tells_a_mentor_without_an_answer_price_to_set_one(client, mentee):
    services.perspective_request_create(mentee=mentee, question=QUESTION, open=True)
    silent = answering_mentor("Sam Silent", price=None)
    page = html(as_person(client, silent.user).get(url("perspective_feed")))
    assert "Set a price for written answers" in page and 'class="feed"' not in page


@pytest.mark.usefixtures("steady_index_refresh")
@pytest.mark.parametrize("count", [1, 4])
def test_the_feed_costs_a_fixed_number_of_queries(
    client, mentee, mentors, django_assert_num_queries, count
):
    for n in range(count):
        services.perspective_request_create(mentee=mentee, question=f"{QUESTION} {n}", open=True)
    as_person(client, mentors[1].user)
    client.get(url("perspective_feed"))  # the matching index is built once, then kept
    # session, user; the mentor's profile, expertise and languages; the open questions; the
    # index's check of changed mentors (profile, offers, languages, expertise, outcomes);
    # the notice's profile; unread notifications
    with django_assert_num_queries(9):
        response = client.get(url("perspective_feed"))
    assert len(response.context["rows"]) == count


def test_an_asked_mentor_opens_the_questions_conversation_from_the_question(
    client, mentee, mentors
):
    from headstrt.messaging.models import Conversation

    request = asked_request(mentee, mentors[0], mentors[1])
    own = ask_of(request, mentors[0])
    as_person(client, mentors[0].user)

    page = html(client.get(url("perspective_ask", own.public_id)))
    assert f'name="request" value="{request.public_id}"' in page
    response = client.post(url("conversation_open"), {"request": request.public_id})

    conversation = Conversation.objects.get(request=request)
    assert response["Location"] == url("conversation_detail", conversation.public_id)
    services.perspective_decline(mentor=mentors[0].user, ask_id=own.public_id)
    assert 'name="request"' not in html(client.get(url("perspective_ask", own.public_id)))
