"""The disputes API: opening (idempotent, rate-limited), the case for each role, responses,
evidence files, messages, the mediator's proposal, accepting and appealing, the mediator's
queue; strangers get 404 and every refusal is a 4xx that changes nothing."""

# ruff: noqa: F811 (the fixtures imported below are then named as test arguments)

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from headstrt.disputes.models import (
    AuditEntry,
    Dispute,
    DisputeStatus,
    Evidence,
    Mediator,
    Proposal,
)
from headstrt.messaging.models import Message
from headstrt.payments.models import LedgerAccount, LedgerEntry
from tests.api.conftest import BASE, ApiClient, assert_error, client_for
from tests.factories import UserFactory
from tests.reviews.conftest import done_session, outsider, staff  # noqa: F401
from tests.scheduling.conftest import frozen, mentee, mentor  # noqa: F401
from tests.scheduling.sessions import TUESDAY_9, book

pytestmark = pytest.mark.django_db

OPEN = {"reason": "no_show", "description": "Nobody came.", "wanted": "refund"}


@pytest.fixture
def as_mentee(client, mentee) -> ApiClient:
    return client_for(client, mentee)


@pytest.fixture
def as_mentor(client, mentor) -> ApiClient:
    return client_for(client, mentor.user)


@pytest.fixture
def mediator(db):
    return Mediator.objects.create(user=UserFactory(display_name="Mo Mediator")).user


@pytest.fixture
def as_mediator(client, mediator) -> ApiClient:
    return client_for(client, mediator)


def opening(booking) -> str:
    return f"/bookings/{booking.public_id}/dispute"


def case(dispute_id: str, tail: str = "") -> str:
    return f"/disputes/{dispute_id}" + (f"/{tail}" if tail else "")


def snapshot() -> list:
    """Everything a refused call could have changed, money included."""
    return [
        list(Dispute.objects.values_list("status", "deadline", "response", "mentor_percent")),
        Message.objects.count(),
        Evidence.objects.count(),
        list(Proposal.objects.values_list("mentor_accepted_at", "mentee_accepted_at")),
        AuditEntry.objects.count(),
        LedgerEntry.objects.count(),
        list(LedgerAccount.objects.order_by("pk").values_list("balance_minor")),
    ]


def open_dispute(api: ApiClient, booking, **changes) -> dict:
    answer = api.post(opening(booking), {**OPEN, **changes})
    assert answer.status_code == 201, answer.content
    return answer.json()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, format="PNG")
    return out.getvalue()


def multipart(api: ApiClient, path: str, data: dict):
    return api.client.post(BASE + path, data, headers=api.headers)


# --- opening -----------------------------------------------------------------------------------


def test_opening_freezes_the_escrow_and_returns_the_case(done_session, as_mentee, frozen):
    body = open_dispute(as_mentee, done_session)
    assert body["status"] == "awaiting_response" and body["your_role"] == "opener"
    assert body["wanted"] == "refund" and body["wanted_mentor_percent"] == 0
    assert body["deadline"] == "2030-03-07T08:31:00Z"  # 48 hours after opening
    assert body["session"] == done_session.public_id and body["opener_role"] == "mentee"
    assert body["payment"]["status"] == "frozen"
    assert body["session_record"]["status"] == "completed"
    assert body["session_record"]["ended_by"]["display_name"] == "Nia Negotiator"
    assert [entry["action"] for entry in body["audit"]] and body["actions"] == [
        "evidence",
        "message",
    ]


def test_opening_is_idempotent_with_a_key(done_session, as_mentee, frozen):
    headers = {"HTTP_IDEMPOTENCY_KEY": "open-1"}
    first = as_mentee.post(opening(done_session), OPEN, **headers)
    again = as_mentee.post(opening(done_session), OPEN, **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Dispute.objects.count() == 1
    reused = as_mentee.post(opening(done_session), {**OPEN, "reason": "billing"}, **headers)
    assert_error(reused, 422, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**OPEN, "wanted": "split", "wanted_mentor_percent": 150}, "invalid_percent"),
        ({**OPEN, "wanted": "split", "wanted_mentor_percent": -1}, "invalid_percent"),
        ({**OPEN, "wanted": "split"}, "invalid_percent"),
        ({**OPEN, "reason": "boredom"}, "invalid"),
        ({**OPEN, "description": ""}, "invalid"),
        ({**OPEN, "description": "x" * 4001}, "invalid"),
        ({**OPEN, "colour": "red"}, "invalid"),
        ({**OPEN, "wanted_mentor_percent": "half"}, "invalid"),
    ],
)
def test_bad_input_is_a_422_and_opens_nothing(done_session, as_mentee, frozen, body, code):
    before = snapshot()
    assert_error(as_mentee.post(opening(done_session), body), 422, code)
    assert snapshot() == before


def test_after_the_window_a_second_dispute_and_strangers_are_refused(
    client, done_session, as_mentee, as_mentor, outsider, frozen
):
    stranger = client_for(client, outsider)
    before = snapshot()
    assert_error(stranger.post(opening(done_session), OPEN), 404, "not_found")
    assert_error(stranger.post("/bookings/nosuchsession/dispute", OPEN), 404, "not_found")
    assert snapshot() == before

    frozen.move(hours=73)
    closed = assert_error(as_mentee.post(opening(done_session), OPEN), 409)
    assert closed["code"] == "dispute_window_closed" and "72 hours" in closed["message"]
    assert snapshot() == before

    frozen.move(hours=-73)
    open_dispute(as_mentee, done_session)
    before = snapshot()
    assert_error(as_mentor.post(opening(done_session), OPEN), 409, "dispute_exists")
    assert snapshot() == before


def test_before_the_start_it_is_too_early(mentor, mentee, as_mentee, frozen):
    booking = book(mentor, mentee)
    assert_error(as_mentee.post(opening(booking), OPEN), 409, "session_not_started")
    assert not Dispute.objects.exists()


def test_opening_is_rate_limited(done_session, as_mentee, frozen, settings, monkeypatch):
    from headstrt.api import disputes

    monkeypatch.setattr(disputes, "OPEN_RATE_PER_USER", "2/m")
    codes = [as_mentee.post(opening(done_session), OPEN).status_code for _ in range(3)]
    assert codes[:2] == [201, 409]
    assert_error(as_mentee.post(opening(done_session), OPEN), 429, "rate_limited")


# --- the case ----------------------------------------------------------------------------------


def test_the_case_for_each_role_and_404_for_strangers(
    client, done_session, as_mentee, as_mentor, as_mediator, outsider, staff, frozen
):
    dispute_id = open_dispute(as_mentee, done_session)["id"]
    mine = as_mentor.get(case(dispute_id)).json()
    assert mine["your_role"] == "respondent" and "respond" in mine["actions"]

    assert_error(as_mediator.get(case(dispute_id)), 404, "not_found")
    assert_error(client_for(client, outsider).get(case(dispute_id)), 404, "not_found")
    as_staff = client_for(client, staff).get(case(dispute_id))
    assert as_staff.status_code == 200 and as_staff.json()["actions"] == []
    assert as_staff.json()["your_role"] == "staff"

    responded = as_mentor.post(case(dispute_id, "response"), {"text": "I waited 20 minutes."})
    assert responded.status_code == 200 and responded.json()["status"] == "in_mediation"
    seen = as_mediator.get(case(dispute_id)).json()
    assert seen["your_role"] == "mediator" and "propose" in seen["actions"]
    assert seen["response"] == "I waited 20 minutes." and seen["payment"]["price"]["minor"] == 4000


def test_strangers_change_nothing_anywhere(
    client, done_session, as_mentee, as_mentor, as_mediator, outsider, frozen
):
    dispute_id = open_dispute(as_mentee, done_session)["id"]
    stranger = client_for(client, outsider)
    before = snapshot()
    calls = [
        ("response", {"text": "Mine"}),
        ("messages", {"body": "Hello"}),
        ("proposal", {"remedy": "release", "reasons": "Because"}),
        ("accept", None),
        ("appeal", {"reason": "No"}),
    ]
    for who in (stranger, as_mediator):
        for tail, body in calls:
            assert_error(who.post(case(dispute_id, tail), body), 404, "not_found")
        refused = multipart(who, case(dispute_id, "evidence"), {"text": "Mine"})
        assert_error(refused, 404, "not_found")
    assert snapshot() == before


def disputed(mentor, mentee, as_mentee, frozen, count: int) -> list[str]:
    """``count`` completed sessions of the mentee with the mentor, each disputed by her."""
    from headstrt.scheduling import services

    bookings = [book(mentor, mentee, start=TUESDAY_9 + timedelta(hours=n)) for n in range(count)]
    frozen.set(bookings[-1].end + timedelta(minutes=1))
    ids = []
    for booking in bookings:
        services.booking_complete(user=mentor.user, booking_id=booking.public_id)
        ids.append(open_dispute(as_mentee, booking)["id"])
    return ids


def test_my_disputes_are_paginated(
    client, mentor, mentee, as_mentee, as_mentor, frozen, django_assert_num_queries
):
    disputed(mentor, mentee, as_mentee, frozen, 3)
    # the token; count, page of disputes
    with django_assert_num_queries(3):
        first = as_mentee.get("/disputes", {"size": 2})
    assert first.status_code == 200
    body = first.json()
    assert body["total"] == 3 and body["pages"] == 2 and len(body["items"]) == 2
    assert body["items"][0]["your_role"] == "opener"
    assert as_mentor.get("/disputes").json()["items"][0]["your_role"] == "respondent"
    assert_error(as_mentee.get("/disputes", {"size": 1000}), 400, "invalid_page_size")


# --- evidence ----------------------------------------------------------------------------------


def test_evidence_with_a_file_and_its_download(
    client, done_session, as_mentee, as_mentor, outsider, frozen
):
    dispute_id = open_dispute(as_mentee, done_session)["id"]
    upload = SimpleUploadedFile("room.png", png_bytes(), content_type="image/png")
    added = multipart(as_mentee, case(dispute_id, "evidence"), {"text": "Empty", "file": upload})
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["file_name"] == "room.png" and body["content_type"] == "image/png"
    file_path = f"/disputes/{dispute_id}/evidence/{body['id']}/file"
    assert body["file_url"].endswith(BASE + file_path)

    text_only = multipart(as_mentor, case(dispute_id, "evidence"), {"text": "My log"})
    assert text_only.status_code == 201 and text_only.json()["file_url"] is None

    download = as_mentor.get(file_path)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == png_bytes()
    assert_error(client_for(client, outsider).get(file_path), 404, "not_found")
    other = f"/disputes/nosuchdispute/evidence/{body['id']}/file"
    assert_error(as_mentor.get(other), 404, "not_found")


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("page.pdf", b"<html><script>alert(1)</script></html>", 422, "file_type"),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", 422, "file_type"),
        ("big.txt", b"a" * (10 * 1024 * 1024 + 1), 413, "file_too_large"),
    ],
)
def test_wrong_evidence_files_are_refused_and_nothing_is_saved(
    done_session, as_mentee, frozen, name, content, status, code
):
    dispute_id = open_dispute(as_mentee, done_session)["id"]
    before = snapshot()
    upload = SimpleUploadedFile(name, content)
    refused = multipart(as_mentee, case(dispute_id, "evidence"), {"text": "x", "file": upload})
    assert_error(refused, status, code)
    assert snapshot() == before


# --- messages, proposals, answers --------------------------------------------------------------


def test_messages(done_session, as_mentee, as_mentor, frozen):
    dispute_id = open_dispute(as_mentee, done_session)["id"]
    sent = as_mentee.post(case(dispute_id, "messages"), {"body": "<b>Hi</b>"})
    assert sent.status_code == 201 and sent.json()["body"] == "<b>Hi</b>"
    assert as_mentor.get(case(dispute_id)).json()["messages"][0]["body"] == "<b>Hi</b>"
    before = snapshot()
    assert_error(as_mentee.post(case(dispute_id, "messages"), {"body": ""}), 422, "invalid")
    assert_error(as_mentee.post(case(dispute_id, "messages"), {"text": "x"}), 422, "invalid")
    assert snapshot() == before


def test_files_written_in_the_cases_conversation_show_on_the_case(
    done_session, as_mentee, as_mentor, outsider, frozen
):
    dispute_id = open_dispute(as_mentee, done_session)["id"]
    conversation = as_mentee.post("/conversations", {"dispute": dispute_id}).json()["id"]
    upload = SimpleUploadedFile("receipt.png", png_bytes(), content_type="image/png")
    sent = multipart(as_mentee, f"/conversations/{conversation}/messages", {"files": [upload]})
    assert sent.status_code == 201, sent.content

    [message] = as_mentor.get(case(dispute_id)).json()["messages"]
    [file] = message["attachments"]
    assert file["name"] == "receipt.png" and file["size"] == len(png_bytes())
    download = as_mentor.client.get(file["url"], headers=as_mentor.headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == png_bytes()
    stranger = client_for(as_mentee.client, outsider)
    assert stranger.client.get(file["url"], headers=stranger.headers).status_code == 404


def mediated(as_mentee, as_mentor, booking) -> str:
    dispute_id = open_dispute(as_mentee, booking)["id"]
    assert as_mentor.post(case(dispute_id, "response"), {"text": "I was there."}).status_code == 200
    return dispute_id


def test_a_split_proposal_accepted_by_both_settles_the_escrow_once(
    done_session, as_mentee, as_mentor, as_mediator, mediator, frozen, django_assert_num_queries
):
    dispute_id = mediated(as_mentee, as_mentor, done_session)
    # token, its last use; the queue
    with django_assert_num_queries(3):
        queue = as_mediator.get("/mediation/queue")
    assert queue.status_code == 200
    [item] = queue.json()
    assert item["dispute"]["id"] == dispute_id and item["stage"] == "first"
    assert item["overdue"] is False and item["due_at"] == "2030-03-08T08:31:00Z"

    before = snapshot()
    for percent in (150, -5, 0, 100):
        body = {"remedy": "split", "mentor_percent": percent, "reasons": "Half"}
        assert_error(as_mediator.post(case(dispute_id, "proposal"), body), 422, "invalid_percent")
    assert_error(
        as_mentee.post(case(dispute_id, "proposal"), {"remedy": "refund", "reasons": "Me"}),
        403,
    )
    assert snapshot() == before

    proposal = {"remedy": "split", "mentor_percent": 50, "reasons": "Both partly right."}
    made = as_mediator.post(case(dispute_id, "proposal"), proposal)
    assert made.status_code == 200 and made.json()["status"] == "proposed"
    assert made.json()["proposals"][0]["mentor_percent"] == 50
    assert as_mediator.get("/mediation/queue").json() == []

    accepted = as_mentee.post(case(dispute_id, "accept"))
    assert accepted.status_code == 200 and accepted.json()["status"] == "proposed"
    assert_error(as_mentee.post(case(dispute_id, "accept")), 409, "already_accepted")
    done = as_mentor.post(case(dispute_id, "accept")).json()
    assert done["status"] == "resolved" and done["resolution"] == "split"
    assert done["mentor_percent"] == 50 and done["deadline"] is None
    assert done["payment"]["released"]["minor"] + done["payment"]["refunded"]["minor"] == 4000
    assert done["payment"]["refunded"]["minor"] == 2000

    settled = snapshot()
    assert_error(as_mentor.post(case(dispute_id, "accept")), 409)
    assert_error(as_mentee.post(case(dispute_id, "appeal"), {"reason": "Late"}), 409)
    assert snapshot() == settled


def test_an_appeal_goes_to_a_different_mediator_whose_decision_is_final(
    client, done_session, as_mentee, as_mentor, as_mediator, frozen
):
    second = client_for(client, Mediator.objects.create(user=UserFactory()).user)
    dispute_id = mediated(as_mentee, as_mentor, done_session)
    as_mediator.post(
        case(dispute_id, "proposal"), {"remedy": "release", "reasons": "The mentor waited."}
    )
    assert_error(as_mentee.post(case(dispute_id, "appeal"), {"reason": ""}), 422, "invalid")
    appealed = as_mentee.post(case(dispute_id, "appeal"), {"reason": "The log shows no call."})
    assert appealed.status_code == 200 and appealed.json()["status"] == "in_appeal"
    assert appealed.json()["appealed_by"]["display_name"] == "Mia Mentee"
    assert_error(as_mentor.post(case(dispute_id, "appeal"), {"reason": "Me too"}), 409)

    before = snapshot()
    refused = as_mediator.post(
        case(dispute_id, "proposal"), {"remedy": "release", "reasons": "Again"}
    )
    assert_error(refused, 403, "not_your_case")
    assert snapshot() == before
    assert as_mediator.get(case(dispute_id)).json()["your_role"] == "past_mediator"

    [item] = second.get("/mediation/queue").json()
    assert item["stage"] == "appeal"
    final = second.post(case(dispute_id, "proposal"), {"remedy": "refund", "reasons": "No call"})
    assert final.status_code == 200 and final.json()["status"] == "resolved"
    assert final.json()["mentor_percent"] == 0
    assert Dispute.objects.get().status == DisputeStatus.RESOLVED


@pytest.mark.parametrize("count", [1, 3])
def test_the_mediation_queue_costs_a_fixed_number_of_queries(
    mentor, mentee, as_mentee, as_mentor, as_mediator, frozen, django_assert_num_queries, count
):
    for dispute_id in disputed(mentor, mentee, as_mentee, frozen, count):
        as_mentor.post(case(dispute_id, "response"), {"text": "I was there."})
        frozen.move(minutes=1)
    as_mediator.get("/mediation/queue")  # the token's last use is written once a minute
    with django_assert_num_queries(2):
        queue = as_mediator.get("/mediation/queue").json()
    assert len(queue) == count
    assert [item["due_at"] for item in queue] == sorted(item["due_at"] for item in queue)


def test_everything_needs_credentials(done_session, as_mentee, anonymous, frozen):
    dispute_id = open_dispute(as_mentee, done_session)["id"]
    for path in ("/disputes", case(dispute_id), "/mediation/queue"):
        assert_error(anonymous.get(path), 401, "unauthenticated")
    assert_error(anonymous.post(opening(done_session), OPEN), 401, "unauthenticated")
