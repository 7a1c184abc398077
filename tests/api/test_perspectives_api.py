"""The perspectives API: asking several mentors (retried once per Idempotency-Key), paying
once, the answers side by side, the most helpful, follow-ups; the mentor's inbox, question,
answer and decline; open posts, the feed, offers; bad input answered 4xx with nothing
changed; other people's questions not found; documented in OpenAPI; pinned query counts."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

import pytest

from headstrt.api.payments import MONEY_RATE_PER_USER
from headstrt.payments.models import Payment
from headstrt.payments.providers.test import CARD_DECLINED, CARD_SUCCEEDS
from headstrt.perspectives import services
from headstrt.perspectives.models import AskStatus, PerspectiveAsk, PerspectiveRequest
from tests.api.conftest import BASE, assert_error, client_for
from tests.factories import UserFactory
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

KEY = "3b0d3c4e-6a8f-4d0e-9a57-6a1e2f7f0c11"


@pytest.fixture
def api(client, mentee):
    return client_for(client, mentee)


def as_api(client, user):
    return client_for(client, user)


def post(api, path, body=None, key=None):
    headers = dict(api.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    data = body if body is not None else {}
    return api.client.post(BASE + path, data, content_type="application/json", headers=headers)


def created(api, mentors, **extra) -> dict:
    response = post(api, "/perspectives", {"question": QUESTION, "mentors": ids(*mentors), **extra})
    assert response.status_code == 201, response.content
    return response.json()


# --- the mentee -----------------------------------------------------------------------------------


def test_asking_three_mentors_once_per_key(api, mentors):
    body = {"question": QUESTION, "title": "Friday", "mentors": ids(*mentors)}

    first = post(api, "/perspectives", body, key=KEY)
    retry = post(api, "/perspectives", body, key=KEY)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert PerspectiveRequest.objects.count() == 1
    question = first.json()
    assert question["title"] == "Friday" and question["question"] == QUESTION
    assert question["to_pay"] == {"minor": 5500, "currency": "EUR", "display": "€55.00"}
    asks = {item["mentor"]["display_name"]: item for item in question["asks"]}
    assert asks["Ana Free"]["status"] == "asked"
    assert asks["Ana Free"]["due_at"] == "2030-03-06T08:00:00Z"
    assert asks["Ben Paid"]["status"] == "unpaid" and asks["Ben Paid"]["due_at"] is None
    assert asks["Cleo Paid"]["price"]["display"] == "€35.00"
    assert question["page_url"].endswith(f"/perspectives/{question['id']}/")


def test_paying_sends_the_questions_and_a_retry_charges_once(api, mentors):
    question = created(api, mentors[1:])
    path = f"/perspectives/{question['id']}/pay"

    first = post(api, path, {"source": CARD_SUCCEEDS}, key=KEY)
    retry = post(api, path, {"source": CARD_SUCCEEDS}, key=KEY)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert first.json()["to_pay"] is None
    assert {item["status"] for item in first.json()["asks"]} == {"asked"}
    assert Payment.objects.filter(kind="answers", status="succeeded").count() == 1


def test_a_declined_card_changes_nothing_but_the_declined_payment(api, mentors):
    question = created(api, mentors[1:])
    response = post(api, f"/perspectives/{question['id']}/pay", {"source": CARD_DECLINED})
    assert_error(response, 402, "card_declined")
    assert set(PerspectiveAsk.objects.values_list("status", flat=True)) == {AskStatus.UNPAID}
    assert_error(post(api, f"/perspectives/{question['id']}/pay", {"source": ""}), 400, "required")


def test_paying_is_rate_limited(api):
    for _ in range(int(MONEY_RATE_PER_USER.split("/")[0])):
        assert_error(post(api, "/perspectives/nosuchquestion/pay", {"source": "4242"}), 404)
    response = post(api, "/perspectives/nosuchquestion/pay", {"source": "4242"})
    assert_error(response, 429, "rate_limited")


def test_the_answers_side_by_side_the_most_helpful_and_follow_ups(api, mentee, mentors):
    request = ask(mentee, *mentors)
    pay(mentee, request)
    answer(ask_of(request, mentors[2]), ANSWER + " Cleo.")
    ana = answer(ask_of(request, mentors[0]), ANSWER + " Ana.")

    marked = post(api, f"/perspectives/asks/{ana.public_id}/helpful")
    assert marked.status_code == 200
    order = [(item["mentor"]["display_name"], item["status"]) for item in marked.json()["asks"]]
    assert order == [("Ana Free", "answered"), ("Cleo Paid", "answered"), ("Ben Paid", "asked")]
    assert [item["helpful"] for item in marked.json()["asks"]] == [True, False, False]
    assert marked.json()["asks"][0]["answer"].endswith("Ana.")
    assert marked.json()["asks"][2]["answer"] is None

    sent = post(api, f"/perspectives/asks/{ana.public_id}/follow-ups", {"text": "And then?"})
    assert sent.status_code == 201
    assert sent.json()["author"] == "mentee" and sent.json()["text"] == "And then?"
    thread = api.get(f"/perspectives/asks/{ana.public_id}/follow-ups").json()
    assert [item["text"] for item in thread] == ["And then?"]
    detail = api.get(f"/perspectives/{request.public_id}").json()
    assert detail["asks"][0]["follow_ups_left"] == 2


def test_asking_more_mentors_later_and_refusing_one_asked_already(api, mentee, mentors):
    request = ask(mentee, mentors[0])
    path = f"/perspectives/{request.public_id}/asks"
    added = post(api, path, {"mentors": ids(mentors[1])})
    assert added.status_code == 201 and len(added.json()["asks"]) == 2
    before = state()
    assert_error(post(api, path, {"mentors": ids(mentors[1])}), 409, "already_asked")
    assert state() == before


def test_an_open_post_its_offers_accepted_and_closing_it(client, api, mentee, mentors):
    question = post(
        api, "/perspectives", {"question": QUESTION, "open": True, "anonymous": True}
    ).json()
    assert question["open"] and question["anonymous"] and question["asks"] == []
    ben = as_api(client, mentors[1].user)

    feed = ben.get("/perspectives/open").json()
    assert feed["notice"] == ""
    (item,) = feed["items"]
    assert item["request"]["id"] == question["id"]
    assert item["request"]["mentee"] == "Anonymous mentee"
    assert "Posted less than an hour ago" in item["reasons"]
    offer = post(ben, f"/perspectives/{question['id']}/offers", {"note": "Twelve years hiring."})
    assert offer.status_code == 201 and offer.json()["price"]["minor"] == 2000
    assert ben.get("/perspectives/open").json()["items"] == []  # offered: out of the feed
    assert_error(
        post(ben, f"/perspectives/{question['id']}/offers", {"note": "Again"}),
        409,
        "already_offered",
    )

    mine = api.get(f"/perspectives/{question['id']}").json()
    assert [o["mentor"]["display_name"] for o in mine["offers"]] == ["Ben Paid"]
    accepted = post(
        api, f"/perspectives/{question['id']}/offers/accept", {"offers": [offer.json()["id"]]}
    )
    assert accepted.status_code == 200
    assert accepted.json()["offers"] == [] and accepted.json()["asks"][0]["status"] == "unpaid"

    closed = post(api, f"/perspectives/{question['id']}/close").json()
    assert closed["closed_at"] is not None and closed["asks"] == []  # unpaid: withdrawn


def test_my_questions_page_by_page(api, mentee, mentors, frozen):
    for n in range(3):
        ask(mentee, mentors[n], title=f"Question {n}")
        frozen.move(minutes=1)
    page = api.get("/perspectives", {"size": 2}).json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
    newest = page["items"][0]
    assert newest["title"] == "Question 2" and (newest["asked"], newest["unpaid"]) == (1, 1)


@pytest.mark.parametrize("count", [1, 4])
def test_my_questions_cost_a_fixed_number_of_queries(
    api, mentee, mentors, django_assert_num_queries, count
):
    for n in range(count):
        ask(mentee, *mentors, question=f"{QUESTION} {n}")
    # token, user; count, page (with mentee and topic), languages, asks with mentors,
    # follow-ups, offers
    with django_assert_num_queries(8):
        response = api.get("/perspectives")
    assert len(response.json()["items"]) == count


# --- the mentor -----------------------------------------------------------------------------------


def test_the_inbox_question_answer_and_the_others_after_it(client, mentee, mentors):
    request = ask(mentee, mentors[1], mentors[2], anonymous=True)
    pay(mentee, request)
    answer(ask_of(request, mentors[2]), ANSWER + " Cleo.")
    ben = as_api(client, mentors[1].user)
    ben_ask = ask_of(request, mentors[1])

    inbox = ben.get("/perspectives/inbox").json()
    (item,) = inbox["items"]
    assert item["id"] == ben_ask.public_id and item["mentee"] == "Anonymous mentee"
    assert item["due_at"] == "2030-03-06T08:00:00Z" and item["status"] == "asked"

    before = ben.get(f"/perspectives/asks/{ben_ask.public_id}").json()
    assert before["question"] == QUESTION and before["other_answers"] == []
    assert before["answer"] is None

    path = f"/perspectives/asks/{ben_ask.public_id}/answer"
    first = post(ben, path, {"answer": ANSWER + " Ben."}, key=KEY)
    retry = post(ben, path, {"answer": ANSWER + " Ben."}, key=KEY)
    assert first.status_code == retry.status_code == 200 and retry.json() == first.json()
    after = first.json()
    assert after["status"] == "answered" and after["answer"].endswith("Ben.")
    assert [other["answer"][-5:] for other in after["other_answers"]] == ["Cleo."]
    assert_error(post(ben, path, {"answer": ANSWER}), 409, "already_answered")


def test_declining_with_and_without_a_body(client, mentee, mentors):
    request = ask(mentee, mentors[1], mentors[2])
    pay(mentee, request)
    ben = as_api(client, mentors[1].user)
    cleo = as_api(client, mentors[2].user)

    declined = post(
        ben,
        f"/perspectives/asks/{ask_of(request, mentors[1]).public_id}/decline",
        {"reason": "Not my field"},
    )
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["decline_reason"]) == (
        "declined",
        "Not my field",
    )
    bare = cleo.post(f"/perspectives/asks/{ask_of(request, mentors[2]).public_id}/decline")
    assert bare.status_code == 200 and bare.json()["status"] == "declined"


def test_answering_late_is_refused_and_the_refund_stays(client, mentee, mentors, frozen):
    request = ask(mentee, mentors[1])
    pay(mentee, request)
    ben_ask = ask_of(request, mentors[1])
    frozen.move(hours=49)
    ben = as_api(client, mentors[1].user)
    path = f"/perspectives/asks/{ben_ask.public_id}/answer"
    assert_error(post(ben, path, {"answer": ANSWER}, key=KEY), 409, "answer_late")
    ben_ask.refresh_from_db()
    assert ben_ask.status == AskStatus.EXPIRED  # kept, though the call was refused


def test_a_mentor_without_an_answer_price_gets_an_empty_feed_and_why(client, mentee):
    services.perspective_request_create(mentee=mentee, question=QUESTION, open=True)
    silent = as_api(client, answering_mentor("Sam Silent", price=None).user)
    feed = silent.get("/perspectives/open").json()
    assert feed["items"] == [] and "Set a price for written answers" in feed["notice"]
    assert_error(silent.get("/perspectives/open", {"limit": 0}), 400, "out_of_range")


@pytest.mark.parametrize("count", [1, 4])
def test_the_inbox_costs_a_fixed_number_of_queries(
    client, mentee, mentors, django_assert_num_queries, count
):
    for n in range(count):
        pay(mentee, ask(mentee, mentors[1], question=f"{QUESTION} {n}"))
    ben = as_api(client, mentors[1].user)
    # token, user; count, page (with the requests and their mentees)
    with django_assert_num_queries(4):
        response = ben.get("/perspectives/inbox")
    assert len(response.json()["items"]) == count


@pytest.mark.usefixtures("steady_index_refresh")
@pytest.mark.parametrize("count", [1, 4])
def test_the_feed_costs_a_fixed_number_of_queries(
    client, mentee, mentors, django_assert_num_queries, count
):
    for n in range(count):
        services.perspective_request_create(mentee=mentee, question=f"{QUESTION} {n}", open=True)
    ben = as_api(client, mentors[1].user)
    ben.get("/perspectives/open")  # the matching index is built once, then kept
    # the token with its user; the mentor's profile, expertise, languages; the open
    # questions; the index's check of changed mentors (their stamps); the notice's profile
    with django_assert_num_queries(7):
        response = ben.get("/perspectives/open")
    assert len(response.json()["items"]) == count


# --- refusals and access --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"question": QUESTION, "open": 1}, 422, "invalid"),
        ({"question": QUESTION, "anonymous": "yes", "open": True}, 422, "invalid"),
        ({"question": QUESTION, "auto": True}, 422, "invalid"),
        ({"question": QUESTION, "auto": 2.0}, 422, "invalid"),
        ({"question": QUESTION, "answer_hours": "48", "open": True}, 422, "invalid"),
        ({"question": QUESTION, "answer_hours": 5, "open": True}, 422, "invalid_hours"),
        ({"question": QUESTION, "mentors": [1, 2]}, 422, "invalid"),
        ({"question": QUESTION, "mentors": "abc"}, 422, "invalid"),
        ({"question": QUESTION, "mentors": ["x"] * 21}, 422, "invalid"),
        ({"question": QUESTION, "unknown": 1, "open": True}, 422, "invalid"),
        ({"question": "x" * 100_000, "open": True}, 400, "too_long"),
        ({"question": QUESTION}, 400, "nothing_to_ask"),
        ({"question": QUESTION, "mentors": ["nosuchmentor"]}, 404, "not_found"),
        ({"question": QUESTION, "situation": "nosuchsituation", "open": True}, 404, "not_found"),
        (
            {"question": QUESTION, "open": True, "budget": {"minor": -5, "currency": "EUR"}},
            400,
            "invalid_budget",
        ),
        (
            {"question": QUESTION, "open": True, "budget": {"minor": 5, "currency": "XXX"}},
            400,
            "unknown_currency",
        ),
        ({"question": QUESTION, "open": True, "topic": "no-such-topic"}, 400, "unknown_topic"),
        ({"question": QUESTION, "auto": 9}, 400, "out_of_range"),
        ({"question": "bad\x00text", "open": True}, 422, "invalid"),
    ],
)
def test_bad_input_is_answered_4xx_and_changes_nothing(api, mentors, body, status, code):
    before = state()
    assert_error(post(api, "/perspectives", body), status, code)
    assert state() == before


def test_the_same_mentor_twice_and_too_many_are_refused(api, mentors):
    more = [answering_mentor(f"Extra {n}", price=1000) for n in range(3)]
    before = state()
    twice = post(api, "/perspectives", {"question": QUESTION, "mentors": ids(mentors[1]) * 2})
    assert_error(twice, 422, "same_mentor_twice")
    crowd = post(api, "/perspectives", {"question": QUESTION, "mentors": ids(*mentors, *more)})
    assert_error(crowd, 422, "too_many_mentors")
    silent = answering_mentor("Sam Silent", price=None)
    not_answering = post(api, "/perspectives", {"question": QUESTION, "mentors": ids(silent)})
    assert_error(not_answering, 409, "not_answering")
    assert state() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/perspectives/asks/{ask}/answer", {"answer": "short"}),
        ("/perspectives/asks/{ask}/answer", {"answer": "x" * 7000}),
        ("/perspectives/asks/{ask}/answer", {"answer": 12345}),
        ("/perspectives/asks/{ask}/answer", {"answer": ANSWER, "extra": True}),
        ("/perspectives/asks/{ask}/decline", {"reason": "x" * 400}),
        ("/perspectives/asks/{ask}/decline", {"reason": False}),
    ],
)
def test_bad_answers_and_declines_are_refused(client, mentee, mentors, path, body):
    request = ask(mentee, mentors[1])
    pay(mentee, request)
    ben = as_api(client, mentors[1].user)
    before = state()
    response = post(ben, path.format(ask=ask_of(request, mentors[1]).public_id), body)
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert state() == before


def test_other_people_s_questions_are_not_found(client, api, mentee, mentors):
    request = ask(mentee, mentors[1], mentors[2])
    pay(mentee, request)
    ben_ask = answer(ask_of(request, mentors[1]))
    outsider = as_api(client, UserFactory())
    cleo = as_api(client, mentors[2].user)
    before = state()
    for caller in (outsider, cleo):
        assert_error(caller.get(f"/perspectives/{request.public_id}"), 404)
        for path, body in [
            (f"/perspectives/{request.public_id}/asks", {"mentors": ids(mentors[0])}),
            (f"/perspectives/{request.public_id}/pay", {"source": CARD_SUCCEEDS}),
            (f"/perspectives/{request.public_id}/close", None),
            (f"/perspectives/{request.public_id}/offers/accept", {"offers": ["x"]}),
            (f"/perspectives/asks/{ben_ask.public_id}/helpful", None),
            (f"/perspectives/asks/{ben_ask.public_id}/follow-ups", {"text": "Hi"}),
            (f"/perspectives/asks/{ben_ask.public_id}/answer", {"answer": ANSWER}),
            (f"/perspectives/asks/{ben_ask.public_id}/decline", {"reason": ""}),
        ]:
            assert_error(post(caller, path, body), 404)
        assert_error(caller.get(f"/perspectives/asks/{ben_ask.public_id}"), 404)
        assert_error(caller.get(f"/perspectives/asks/{ben_ask.public_id}/follow-ups"), 404)
    assert_error(api.get(f"/perspectives/asks/{ben_ask.public_id}"), 404)  # the mentor's view
    assert_error(api.get("/perspectives/nosuchquestion"), 404)
    assert state() == before


def test_anonymous_callers_are_refused(anonymous):
    assert_error(anonymous.get("/perspectives"), 401)
    assert_error(anonymous.post("/perspectives", {"question": QUESTION, "open": True}), 401)


def test_the_endpoints_are_documented_with_summaries_and_keys(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    expected = {
        "/api/v1/perspectives": {"get", "post"},
        "/api/v1/perspectives/{request_id}": {"get"},
        "/api/v1/perspectives/{request_id}/asks": {"post"},
        "/api/v1/perspectives/{request_id}/pay": {"post"},
        "/api/v1/perspectives/{request_id}/close": {"post"},
        "/api/v1/perspectives/{request_id}/offers": {"post"},
        "/api/v1/perspectives/{request_id}/offers/accept": {"post"},
        "/api/v1/perspectives/asks/{ask_id}": {"get"},
        "/api/v1/perspectives/asks/{ask_id}/answer": {"post"},
        "/api/v1/perspectives/asks/{ask_id}/decline": {"post"},
        "/api/v1/perspectives/asks/{ask_id}/helpful": {"post"},
        "/api/v1/perspectives/asks/{ask_id}/follow-ups": {"get", "post"},
        "/api/v1/perspectives/inbox": {"get"},
        "/api/v1/perspectives/open": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
        for method in methods:
            operation = paths[path][method]
            assert operation["tags"] == ["Perspectives"] and operation["description"], path
            if method == "post":
                names = [parameter["name"] for parameter in operation.get("parameters", [])]
                assert "Idempotency-Key" in names, path
