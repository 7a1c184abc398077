"""The conversations API: opening one around an engagement, reading, polling and writing
(JSON and multipart with files), read state, downloads, reports and blocks, with who may do
what and pinned query counts."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from headstrt.messaging.models import Attachment, Block, Message, MessageReport
from tests.api.conftest import BASE, assert_error, client_for
from tests.messaging.talking import (
    PNG,
    frozen,
    mentee,
    mentor,
    session,
    stranger,
    talk_state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def apis(client, session, mentee, mentor, stranger):
    """API clients of the mentee, the mentor and a stranger (one Django client each)."""
    from django.test import Client

    return (
        client_for(client, mentee),
        client_for(Client(), mentor.user),
        client_for(Client(), stranger),
    )


def opened(api, session) -> dict:
    response = api.post("/conversations", {"booking": session.public_id})
    assert response.status_code == 200, response.content
    return response.json()


def test_both_sides_open_the_same_conversation_and_talk(apis, session, mentee, mentor):
    as_mentee, as_mentor, _ = apis
    mine = opened(as_mentee, session)
    theirs = opened(as_mentor, session)
    assert mine["id"] == theirs["id"] and mine["kind"] == "session"
    assert mine["title"] == "Session with Nia Negotiator, 5 Mar"
    assert mine["engagement_url"].endswith(f"/sessions/{session.public_id}/")
    assert [(p["name"], p["role"]) for p in mine["participants"]] == [
        ("Mia Mentee", "mentee"),
        ("Nia Negotiator", "mentor"),
    ]
    assert mine["can_post"] is True
    sent = as_mentee.post(f"/conversations/{mine['id']}/messages", {"body": "<b>Hi</b>"})
    assert sent.status_code == 201, sent.content
    message = sent.json()
    assert (message["body"], message["mine"], message["author_name"]) == (
        "<b>Hi</b>",
        True,
        "Mia Mentee",
    )
    polled = as_mentor.get(f"/conversations/{mine['id']}/messages", {"after": 0}).json()
    assert [(m["id"], m["mine"]) for m in polled] == [(message["id"], False)]
    assert (
        as_mentor.get(f"/conversations/{mine['id']}/messages", {"after": message["number"]}).json()
        == []
    )
    listed = as_mentor.get("/conversations").json()
    assert [(c["id"], c["unread"], c["preview"]) for c in listed] == [(mine["id"], 1, "<b>Hi</b>")]
    read = as_mentor.post(f"/conversations/{mine['id']}/read", {})
    assert read.status_code == 204
    assert as_mentor.get("/conversations").json()[0]["unread"] == 0


def test_a_stranger_gets_404_everywhere_and_changes_nothing(apis, session, mentee):
    as_mentee, as_mentor, as_stranger = apis
    conversation = opened(as_mentee, session)
    message = as_mentor.post(f"/conversations/{conversation['id']}/messages", {"body": "Hi"})
    message_id = message.json()["id"]
    before = talk_state()
    for response in (
        as_stranger.post("/conversations", {"booking": session.public_id}),
        as_stranger.get(f"/conversations/{conversation['id']}"),
        as_stranger.get(f"/conversations/{conversation['id']}/messages"),
        as_stranger.post(f"/conversations/{conversation['id']}/messages", {"body": "Hi"}),
        as_stranger.post(f"/conversations/{conversation['id']}/read", {}),
        as_stranger.post(f"/messages/{message_id}/report", {"reason": "spam"}),
    ):
        assert_error(response, 404)
    assert as_stranger.get("/conversations").json() == []
    assert talk_state() == before


def test_files_go_up_as_multipart_and_come_down_only_to_members(apis, session):
    as_mentee, as_mentor, as_stranger = apis
    conversation = opened(as_mentee, session)
    path = f"/conversations/{conversation['id']}/messages"
    response = as_mentee.client.post(
        BASE + path,
        {
            "body": "My CV and the offer",
            "files": [
                SimpleUploadedFile("cv.png", PNG, "image/png"),
                SimpleUploadedFile("offer.txt", b"Salary: 52,000", "text/plain"),
            ],
        },
        headers=as_mentee.headers,
    )
    assert response.status_code == 201, response.content
    files = response.json()["attachments"]
    assert [(f["name"], f["content_type"], f["size"]) for f in files] == [
        ("cv.png", "image/png", len(PNG)),
        ("offer.txt", "text/plain", 14),
    ]
    download = as_mentor.client.get(files[0]["url"], headers=as_mentor.headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert_error(as_stranger.get(f"/attachments/{files[0]['id']}"), 404)


def test_an_executable_or_oversized_file_is_refused_and_nothing_is_saved(settings, apis, session):
    settings.HEADSTRT_ATTACHMENT_MAX_BYTES = 1000
    as_mentee, *_ = apis
    conversation = opened(as_mentee, session)
    path = BASE + f"/conversations/{conversation['id']}/messages"
    before = talk_state()
    for upload, status, code in (
        (SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" + b"\x00" * 60), 422, "attachment_type"),
        (SimpleUploadedFile("notes.txt", b"a" * 1001), 413, "attachment_too_large"),
    ):
        response = as_mentee.client.post(
            path, {"body": "See attached", "files": [upload]}, headers=as_mentee.headers
        )
        assert_error(response, status, code)
    assert talk_state() == before and not Attachment.objects.exists()


def test_bad_bodies_answer_422(apis, session):
    as_mentee, *_ = apis
    conversation = opened(as_mentee, session)
    path = f"/conversations/{conversation['id']}/messages"
    assert_error(as_mentee.post(path, {"body": ""}), 422, "message_empty")
    assert_error(as_mentee.post(path, {"body": "x" * 4001}), 422, "message_too_long")
    assert_error(as_mentee.post(path, {"body": "a\x00b"}), 422, "message_invalid")
    assert_error(as_mentee.post(path, {"text": "hi"}), 422, "invalid")
    assert_error(as_mentee.post(path, "not json", content_type="application/json"), 422)
    assert_error(as_mentee.post("/conversations", {}), 422, "engagement_required")
    assert not Message.objects.exists()


def test_reports_and_blocks(apis, session, mentee, mentor):
    as_mentee, as_mentor, _ = apis
    conversation = opened(as_mentee, session)
    sent = as_mentor.post(f"/conversations/{conversation['id']}/messages", {"body": "Rude"})
    message_id = sent.json()["id"]
    report = as_mentee.post(f"/messages/{message_id}/report", {"reason": "Insulting"})
    assert report.status_code == 201 and report.json()["message"] == message_id
    assert_error(
        as_mentee.post(f"/messages/{message_id}/report", {"reason": "Again"}),
        409,
        "already_reported",
    )
    assert MessageReport.objects.count() == 1

    blocked = as_mentee.post("/message-blocks", {"person": mentor.user.public_id})
    assert blocked.status_code == 201 and blocked.json()["name"] == "Nia Negotiator"
    assert [b["person"] for b in as_mentee.get("/message-blocks").json()] == [mentor.user.public_id]
    # The blocked mentor's messages leave the mentee's view, and they cannot write alone.
    assert as_mentee.get(f"/conversations/{conversation['id']}").json()["messages"] == []
    refused = as_mentor.post(f"/conversations/{conversation['id']}/messages", {"body": "Hey"})
    assert_error(refused, 403, "blocked")
    assert_error(as_mentee.post("/message-blocks", {"person": mentee.public_id}), 422, "block_self")
    assert as_mentee.delete(f"/message-blocks/{mentor.user.public_id}").status_code == 204
    assert not Block.objects.exists()


def test_signed_out_callers_get_401(anonymous):
    assert anonymous.get("/conversations").status_code == 401
    assert anonymous.post("/message-blocks", {"person": "x"}).status_code == 401


def test_query_counts_do_not_grow_with_messages(apis, session):
    as_mentee, as_mentor, _ = apis
    conversation = opened(as_mentee, session)
    path = f"/conversations/{conversation['id']}"

    def counts() -> tuple[int, int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        found = []
        for call in (
            lambda: as_mentee.get(path),
            lambda: as_mentee.get(f"{path}/messages"),
            lambda: as_mentee.get("/conversations"),
        ):
            with CaptureQueriesContext(connection) as queries:
                assert call().status_code == 200
            found.append(len(queries))
        return tuple(found)

    for n in range(2):
        as_mentor.post(f"{path}/messages", {"body": f"Message {n}"})
    few = counts()
    for n in range(5):
        as_mentor.post(f"{path}/messages", {"body": f"More {n}"})
        as_mentee.post(f"{path}/messages", {"body": f"Reply {n}"})
    assert counts() == few
