"""The mentee's perspective pages: asking from a situation's matches or from free text,
paying with a card, the answers side by side, the most helpful, follow-ups, open posts and
their offers, refusals shown on the forms with nothing changed, and who may see what."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

import re

import pytest
from django.urls import reverse

from headstrt.payments.providers.test import CARD_DECLINED
from headstrt.perspectives import services
from headstrt.perspectives.models import AskStatus, PerspectiveAsk, PerspectiveRequest
from tests.factories import SituationFactory, UserFactory
from tests.matching.fake_ranking import use_fake_ranking
from tests.perspectives.asking import (
    ANSWER,
    QUESTION,
    answer,
    answering_mentor,
    ask,
    ask_of,
    ids,
    pay,
    state,
)
from tests.perspectives.conftest import frozen, mentee, mentors

pytestmark = pytest.mark.django_db

NEW = {
    "situation": "",
    "title": "Salary talk",
    "question": QUESTION,
    "how": "mentors",
    "mentors": [],
    "auto": "",
    "answer_hours": "48",
    "budget": "",
    "currency": "EUR",
    "area": "",
    "topic": "",
}


def url(name, *args) -> str:
    return reverse(f"web:{name}", args=args)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def signed_in(client, mentee):
    client.force_login(mentee)
    return client


def only_request() -> PerspectiveRequest:
    (request,) = PerspectiveRequest.objects.all()
    return request


# --- asking ---------------------------------------------------------------------------------------


def test_the_matches_page_offers_the_mentors_who_answer_in_writing(
    signed_in, mentee, mentors, monkeypatch
):
    use_fake_ranking(monkeypatch)
    silent = answering_mentor("Sam Silent", price=None)
    situation = SituationFactory(mentee=mentee, text="My salary negotiation is on Friday.")

    page = html(signed_in.get(url("situation_matches", situation.public_id)))

    start = page.index('id="ask-perspectives"')
    form = page[start : page.index("</form>", start)]
    assert f'action="{url("perspective_new")}"' in form and 'method="get"' in form
    for mentor, price in zip(mentors, ["Free", "€20.00", "€35.00"], strict=True):
        assert f'value="{mentor.user.public_id}"> {mentor.user.display_name}, {price}' in form
    assert silent.user.public_id not in form  # listed above, but cannot be asked in writing
    assert 'name="how" value="auto"' in form


def test_the_new_page_names_the_chosen_mentors_and_takes_the_situation_s_words(
    signed_in, mentee, mentors
):
    situation = SituationFactory(mentee=mentee, title="Friday", text="My salary talk is Friday.")
    query = f"?situation={situation.public_id}&how=mentors&mentor={ids(mentors[1])[0]}"

    page = html(signed_in.get(url("perspective_new") + query))

    assert "About your situation “Friday”" in page
    assert "My salary talk is Friday.</textarea>" in page
    assert f'value="{mentors[1].user.public_id}" id="id_mentors_0" checked' in page
    assert "Ben Paid, €20.00 per answer" in page
    assert "Ana Free" not in page  # only the mentors the link names


def test_someone_else_s_situation_in_the_link_is_ignored(signed_in, mentors):
    other = SituationFactory(text="Somebody else's private words")
    page = html(signed_in.get(url("perspective_new") + f"?situation={other.public_id}"))
    assert "Somebody else" not in page and other.public_id not in page


def test_asking_three_mentors_leaves_the_paid_ones_waiting_for_payment(signed_in, mentors):
    response = signed_in.post(url("perspective_new"), {**NEW, "mentors": ids(*mentors)})

    request = only_request()
    assert response.status_code == 302
    assert response["Location"] == url("perspective_detail", request.public_id)
    page = html(signed_in.get(response["Location"]))
    assert "Pay for the answers below to send it to the mentors." in page
    assert "Pay €55.00 and send" in page and "4242 4242 4242 4242" in page
    statuses = dict(request.asks.values_list("mentor__user__display_name", "status"))
    assert statuses == {"Ana Free": "asked", "Ben Paid": "unpaid", "Cleo Paid": "unpaid"}


def test_picking_mentors_for_me_asks_that_many_who_answer_in_writing(
    signed_in, mentee, mentors, monkeypatch
):
    use_fake_ranking(monkeypatch)
    answering_mentor("Sam Silent", price=None)
    situation = SituationFactory(mentee=mentee, text="My salary negotiation is on Friday.")
    link = url("perspective_new") + f"?situation={situation.public_id}&how=auto&auto=2"
    assert re.search(r'value="auto"[^>]* checked>', html(signed_in.get(link)))

    form = {**NEW, "situation": situation.public_id, "question": "", "how": "auto", "auto": "2"}
    response = signed_in.post(url("perspective_new"), form)

    request = only_request()
    assert response["Location"] == url("perspective_detail", request.public_id)
    assert (
        request.question == "My salary negotiation is on Friday." and request.situation == situation
    )
    picked = set(request.asks.values_list("mentor__user__display_name", flat=True))
    assert len(picked) == 2 and picked < {"Ana Free", "Ben Paid", "Cleo Paid"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"how": "mentors", "mentors": []}, "Pick the mentors to ask"),
        ({"how": "auto", "auto": ""}, "Say how many mentors to pick"),
        ({"question": "Too short"}, "characters"),
        ({"answer_hours": "5"}, "Select a valid choice"),
        ({"how": "open", "budget": "ten"}, "is not an amount of money"),
    ],
)
def test_a_refused_request_is_explained_on_the_form_and_nothing_is_asked(
    signed_in, mentors, change, message
):
    before = state()
    page = html(signed_in.post(url("perspective_new"), {**NEW, **change}))
    assert message in page and 'class="notice notice--error"' in page
    assert state() == before


def test_the_same_mentor_twice_and_too_many_mentors_are_refused(signed_in, mentors):
    more = [answering_mentor(f"Extra {n}", price=1000) for n in range(3)]
    before = state()

    twice = html(signed_in.post(url("perspective_new"), {**NEW, "mentors": ids(mentors[1]) * 2}))
    assert "twice" in twice
    crowd = ids(*mentors, *more)
    too_many = html(signed_in.post(url("perspective_new"), {**NEW, "mentors": crowd}))
    assert "at most 5" in too_many
    assert state() == before


def test_a_mentor_who_does_not_answer_in_writing_cannot_be_chosen(signed_in, mentors):
    silent = answering_mentor("Sam Silent", price=None)
    before = state()
    page = html(signed_in.post(url("perspective_new"), {**NEW, "mentors": ids(silent)}))
    assert "Sam Silent (does not answer in writing)" in page
    assert state() == before


def test_an_open_anonymous_post_waits_for_offers(signed_in, mentee):
    form = {**NEW, "how": "open", "anonymous": "on", "budget": "30", "currency": "EUR"}
    response = signed_in.post(url("perspective_new"), form)

    request = only_request()
    assert (request.open, request.anonymous, request.budget_minor) == (True, True, 3000)
    page = html(signed_in.get(response["Location"]))
    assert "Your situation is posted." in page and "open post" in page
    assert "mentors do not see your name" in page
    assert "No offers yet" in page and "Close the post" in page


# --- paying ---------------------------------------------------------------------------------------


def test_a_declined_card_is_said_on_the_card_field_and_nothing_is_sent(signed_in, mentee, mentors):
    request = ask(mentee, mentors[1], mentors[2])
    before = list(request.asks.values_list("status", flat=True))

    page = html(
        signed_in.post(url("perspective_pay", request.public_id), {"source": CARD_DECLINED})
    )

    assert 'id="id_source_error"' in page and "declined" in page
    assert list(request.asks.values_list("status", flat=True)) == before == ["unpaid"] * 2


def test_paying_sends_the_question_with_each_due_time(signed_in, mentee, mentors):
    request = ask(mentee, mentors[1], mentors[2])
    response = signed_in.post(
        url("perspective_pay", request.public_id), {"source": "4242 4242 4242 4242"}
    )
    assert response.status_code == 302
    page = html(signed_in.get(response["Location"]))
    assert "Paid. Your question is sent" in page
    assert page.count("Answers by <time") == 2 and "Wednesday 6 March, 17:00" in page  # Tokyo
    assert "Pay to send your question" not in page
    assert set(request.asks.values_list("status", flat=True)) == {AskStatus.ASKED}


def test_paying_twice_says_there_is_nothing_left_to_pay(signed_in, mentee, mentors):
    request = ask(mentee, mentors[1])
    pay(mentee, request)
    response = signed_in.post(url("perspective_pay", request.public_id), {"source": "4242"})
    assert response.status_code == 302
    assert "nothing to pay" in html(signed_in.get(response["Location"]))


# --- comparing ------------------------------------------------------------------------------------


def answered_request(mentee, mentors) -> PerspectiveRequest:
    request = ask(mentee, *mentors)
    pay(mentee, request)
    answer(ask_of(request, mentors[0]), ANSWER + " Ana.")
    answer(ask_of(request, mentors[2]), ANSWER + " Cleo.")
    return request


def test_the_answers_stand_side_by_side_with_what_is_still_awaited(signed_in, mentee, mentors):
    request = answered_request(mentee, mentors)

    page = html(signed_in.get(url("perspective_detail", request.public_id)))

    answers = page[page.index('<ol class="answers">') :]
    assert answers.index("Ana Free") < answers.index("Cleo Paid") < answers.index("Ben Paid")
    assert page.count(">Answered</span>") == 2 and "Ana.</p>" in page and "Cleo.</p>" in page
    assert ">Waiting for the answer</span>" in page and "Answers by <time" in page
    assert "web/perspectives.css" in page  # the columns' stylesheet


def test_marking_the_most_helpful_and_taking_the_mark_off(signed_in, mentee, mentors):
    request = answered_request(mentee, mentors)
    cleo = ask_of(request, mentors[2])

    response = signed_in.post(url("perspective_helpful", cleo.public_id))
    assert response["Location"].endswith(f"#answer-{cleo.public_id}")
    page = html(signed_in.get(url("perspective_detail", request.public_id)))
    assert "Cleo Paid’s answer is marked the most helpful." in page
    answers = page[page.index('<ol class="answers">') :]
    assert answers.index("Cleo Paid") < answers.index("Ana Free")  # the most helpful first
    assert page.count('<span class="badge badge--success">Most helpful</span>') == 1

    signed_in.post(url("perspective_helpful", cleo.public_id))
    assert not PerspectiveAsk.objects.filter(helpful=True).exists()


def test_an_unanswered_ask_cannot_be_marked_and_nothing_changes(signed_in, mentee, mentors):
    request = answered_request(mentee, mentors)
    before = state()
    response = signed_in.post(url("perspective_helpful", ask_of(request, mentors[1]).public_id))
    assert response.status_code == 302
    assert "has not answered yet" in html(signed_in.get(response["Location"]))
    assert state() == before


def test_following_up_with_a_mentor_under_their_answer(signed_in, mentee, mentors):
    request = answered_request(mentee, mentors)
    ana = ask_of(request, mentors[0])
    data = {"request": request.public_id, "text": "And if they say no?"}

    response = signed_in.post(url("perspective_follow_up", ana.public_id), data)

    assert response["Location"] == url("perspective_detail", request.public_id) + (
        f"#answer-{ana.public_id}"
    )
    page = html(signed_in.get(response["Location"]))
    assert "And if they say no?" in page and "2 messages left." in page


def test_an_empty_follow_up_is_shown_on_its_own_form(signed_in, mentee, mentors):
    request = answered_request(mentee, mentors)
    ana = ask_of(request, mentors[0])
    before = state()
    page = html(
        signed_in.post(
            url("perspective_follow_up", ana.public_id), {"request": request.public_id, "text": ""}
        )
    )
    assert f'id="id_{ana.public_id}_text_error"' in page
    assert state() == before


def test_the_fourth_follow_up_is_refused(signed_in, mentee, mentors):
    request = answered_request(mentee, mentors)
    ana = ask_of(request, mentors[0])
    for n in range(3):
        services.perspective_follow_up(user=mentee, ask_id=ana.public_id, text=f"Question {n}")
    page = html(signed_in.get(url("perspective_detail", request.public_id)))
    assert "You have used your follow-up messages." in page
    before = state()
    data = {"request": request.public_id, "text": "One more?"}
    response = signed_in.post(url("perspective_follow_up", ana.public_id), data)
    assert response["Location"].endswith(f"#answer-{ana.public_id}")
    assert "3 follow-up messages" in html(signed_in.get(response["Location"]))
    assert state() == before


# --- open posts -----------------------------------------------------------------------------------


def test_accepting_offers_asks_those_mentors_and_closing_stops_offers(signed_in, mentee, mentors):
    request = services.perspective_request_create(mentee=mentee, question=QUESTION, open=True)
    offers = [
        services.perspective_offer_make(
            mentor=mentor.user, request_id=request.public_id, note=f"I am {mentor.user}."
        )
        for mentor in mentors[1:]
    ]
    page = html(signed_in.get(url("perspective_detail", request.public_id)))
    assert "Ben Paid</strong>, €20.00 per answer" in page and "Cleo Paid</strong>" in page

    response = signed_in.post(
        url("perspective_offers_accept", request.public_id), {"offer": [offers[0].public_id]}
    )
    page = html(signed_in.get(response["Location"]))
    assert "Those mentors are asked." in page and "Pay €20.00 and send" in page
    offered = page[page.index('id="offers-heading"') :]
    assert "Cleo Paid</strong>" in offered and "Ben Paid</strong>" not in offered

    response = signed_in.post(url("perspective_close", request.public_id))
    page = html(signed_in.get(response["Location"]))
    assert "Your post is closed" in page and "closed post" in page
    assert "Close the post" not in page
    request.refresh_from_db()
    assert request.closed_at is not None


def test_accepting_no_offer_says_so(signed_in, mentee, mentors):
    request = services.perspective_request_create(mentee=mentee, question=QUESTION, open=True)
    before = state()
    response = signed_in.post(url("perspective_offers_accept", request.public_id), {})
    assert "Pick the offers to accept." in html(signed_in.get(response["Location"]))
    assert state() == before


# --- the list -------------------------------------------------------------------------------------


def test_my_perspectives_list_my_requests_with_their_progress(signed_in, mentee, mentors):
    answered_request(mentee, mentors)
    ask(mentee, mentors[1], question=QUESTION + " Second.")
    someone = UserFactory()
    ask(someone, mentors[2], question=QUESTION + " Not mine.")

    page = html(signed_in.get(url("perspective_list")))

    assert page.count('class="card"') == 2
    assert "2 of 3 answers in" in page and "1 waiting for your payment" in page
    assert "Not mine" not in page


@pytest.mark.parametrize("count", [1, 4])
def test_my_perspectives_costs_a_fixed_number_of_queries(
    signed_in, mentee, mentors, django_assert_num_queries, count
):
    for n in range(count):
        request = ask(mentee, *mentors, question=f"{QUESTION} {n}")
        pay(mentee, request)
        answer(ask_of(request, mentors[0]))
    # session, user, unread notifications; count, page of requests (with mentee and topic),
    # their languages, asks (with mentors), follow-ups, offers
    with django_assert_num_queries(9):
        response = signed_in.get(url("perspective_list"))
    assert len(response.context["rows"]) == count


# --- access ---------------------------------------------------------------------------------------


def test_nobody_else_sees_or_changes_a_request(client, mentee, mentors):
    request = answered_request(mentee, mentors)
    ana = ask_of(request, mentors[0])
    outsider = UserFactory()
    before = state()
    for person in (outsider, mentors[0].user):
        client.force_login(person)
        assert client.get(url("perspective_detail", request.public_id)).status_code == 404
        for name, args, data in [
            ("perspective_pay", [request.public_id], {"source": "4242424242424242"}),
            ("perspective_close", [request.public_id], {}),
            ("perspective_offers_accept", [request.public_id], {"offer": ["x"]}),
            ("perspective_helpful", [ana.public_id], {}),
        ]:
            assert client.post(url(name, *args), data).status_code == 404, name
    client.force_login(outsider)
    data = {"request": request.public_id, "text": "Hello"}
    assert client.post(url("perspective_follow_up", ana.public_id), data).status_code == 404
    assert state() == before


def test_the_pages_need_a_signed_in_person(client):
    for name in ("perspective_list", "perspective_new", "perspective_inbox", "perspective_feed"):
        response = client.get(url(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_every_form_needs_the_csrf_token(mentee, mentors):
    from django.test import Client

    request = answered_request(mentee, mentors)
    ana = ask_of(request, mentors[0])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mentee)
    before = state()
    for name, args in [
        ("perspective_new", []),
        ("perspective_pay", [request.public_id]),
        ("perspective_close", [request.public_id]),
        ("perspective_offers_accept", [request.public_id]),
        ("perspective_helpful", [ana.public_id]),
        ("perspective_follow_up", [ana.public_id]),
        ("perspective_answer", [ana.public_id]),
        ("perspective_decline", [ana.public_id]),
        ("perspective_offer", [request.public_id]),
    ]:
        assert strict.post(url(name, *args), {"text": "x"}).status_code == 403, name
    assert state() == before


def test_perspective_pages_have_no_inline_styles_or_scripts(signed_in, mentee, mentors):
    request = answered_request(mentee, mentors)
    for page in (
        url("perspective_list"),
        url("perspective_new"),
        url("perspective_detail", request.public_id),
    ):
        body = html(signed_in.get(page))
        assert " style=" not in body and "<script>" not in body, page
