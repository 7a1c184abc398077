"""Conversation pages: opening one from a session, reading and writing (text shown escaped,
files checked), live updates by server-sent events and by polling, read state, blocking and
reporting, downloads for members only, the staff's report queue, and pinned query counts."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from headstrt.disputes.models import Mediator
from headstrt.messaging import conversations as services
from headstrt.messaging.models import (
    Attachment,
    Block,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
    Notification,
)
from headstrt.web.views.conversations import _participant_key
from tests.factories import UserFactory
from tests.reviews.conftest import outsider, staff
from tests.scheduling.conftest import frozen, mentee, mentor
from tests.scheduling.sessions import TUESDAY_9, book, hold

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def url(name, *args) -> str:
    return reverse(f"web:{name}", args=args)


def html(response) -> str:
    return response.content.decode()


def as_person(client, person):
    client.force_login(person)
    return client


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def session(frozen, mentor, mentee):
    return book(mentor, mentee)


@pytest.fixture
def talk(session, mentee) -> Conversation:
    """The session's conversation, opened by the mentee."""
    return services.conversation_open(user=mentee, booking_id=session.public_id)


def post(conversation, person, body="", files=()):
    return services.message_post(
        user=person, conversation_id=conversation.public_id, body=body, files=files
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- opening ------------------------------------------------------------------------------


def test_the_session_page_opens_its_conversation(client, session, mentee, mentor):
    as_person(client, mentee)
    page = html(client.get(url("session_detail", session.public_id)))
    assert url("conversation_open") in page and ">Messages</button>" in page

    answer = client.post(url("conversation_open"), {"booking": session.public_id})

    conversation = Conversation.objects.get(booking=session)
    assert answer.status_code == 302
    assert answer["Location"] == url("conversation_detail", conversation.public_id)
    # Opening again, by GET or by the other side, finds the same conversation.
    assert client.get(url("conversation_open"), {"booking": session.public_id})["Location"] == url(
        "conversation_detail", conversation.public_id
    )
    as_person(client, mentor.user)
    client.post(url("conversation_open"), {"booking": session.public_id})
    assert Conversation.objects.count() == 1
    assert ConversationMember.objects.filter(conversation=conversation).count() == 2


def test_strangers_and_forged_ids_cannot_open_a_conversation(client, session, outsider):
    as_person(client, outsider)
    assert client.post(url("conversation_open"), {"booking": session.public_id}).status_code == 404
    assert client.post(url("conversation_open"), {"booking": "forged-id"}).status_code == 404
    assert client.post(url("conversation_open"), {"dispute": session.public_id}).status_code == 404
    assert client.post(url("conversation_open"), {}).status_code == 400
    both = {"booking": session.public_id, "request": session.public_id}
    assert client.post(url("conversation_open"), both).status_code == 400
    assert not Conversation.objects.exists()


def test_a_session_only_held_in_checkout_has_no_conversation_yet(client, frozen, mentor, mentee):
    held = hold(mentor, mentee)
    as_person(client, mentee)
    session_page = url("session_detail", held.public_id)
    assert ">Messages</button>" not in html(client.get(session_page))

    answer = client.post(
        url("conversation_open"), {"booking": held.public_id}, HTTP_REFERER=session_page
    )

    assert answer.status_code == 302 and answer["Location"] == session_page
    assert "You can message once" in html(client.get(session_page))
    assert not Conversation.objects.exists()


def test_a_panels_sessions_share_the_panels_conversation(client, frozen, mentee):
    from tests.scheduling.gatherings import panel_book, panelists

    first, second = panelists(2)
    panel = panel_book(mentee, [first, second])
    mine = panel.bookings.get(mentor=second)
    as_person(client, second.user)
    page = html(client.get(url("panel_detail", panel.public_id)))
    assert f'name="booking" value="{mine.public_id}"' in page

    answer = client.post(url("conversation_open"), {"booking": mine.public_id})

    conversation = Conversation.objects.get(panel=panel)
    assert answer["Location"] == url("conversation_detail", conversation.public_id)
    page = html(client.get(answer["Location"]))
    assert first.user.display_name in page and "Mia Mentee" in page
    as_person(client, mentee)
    page = html(client.get(url("panel_detail", panel.public_id)))
    assert page.count(">Messages</button>") == 1
    assert any(f'name="booking" value="{b.public_id}"' in page for b in panel.bookings.all())


def test_an_anonymous_askers_mentors_never_see_who_asks(client, frozen, mentee):
    from headstrt.perspectives.selectors import ANONYMOUS
    from tests.perspectives.asking import answering_mentor, ask

    ana = answering_mentor("Ana Free", price=0)
    request = ask(mentee, ana, anonymous=True)
    as_person(client, mentee)
    page = html(client.get(url("perspective_detail", request.public_id)))
    assert f'name="request" value="{request.public_id}"' in page
    opened = client.post(url("conversation_open"), {"request": request.public_id})
    conversation = Conversation.objects.get(request=request)
    assert opened["Location"] == url("conversation_detail", conversation.public_id)
    client.post(opened["Location"], {"body": "Thank you for looking at this"})

    as_person(client, ana.user)
    page = html(client.get(opened["Location"]))
    assert f"Question from {ANONYMOUS}" in page and "Thank you for looking" in page
    assert "Mia Mentee" not in page and mentee.public_id not in page


def test_the_dispute_page_opens_the_disputes_conversation(client, frozen, mentor, mentee, staff):
    from headstrt.disputes import services as disputes
    from headstrt.scheduling import services as scheduling

    booking = book(mentor, mentee)
    frozen.set(booking.end + timedelta(minutes=1))
    scheduling.booking_complete(user=mentor.user, booking_id=booking.public_id)
    dispute = disputes.dispute_open(
        user=mentee,
        booking_id=booking.public_id,
        reason="quality",
        description="The mentor left after ten minutes.",
        wanted="refund",
    )
    as_person(client, staff)  # staff read the case but take no part in its conversation
    assert 'name="dispute"' not in html(client.get(url("dispute_detail", dispute.public_id)))
    as_person(client, mentor.user)
    page = html(client.get(url("dispute_detail", dispute.public_id)))
    assert f'name="dispute" value="{dispute.public_id}"' in page

    answer = client.post(url("conversation_open"), {"dispute": dispute.public_id})

    conversation = Conversation.objects.get(dispute=dispute)
    assert answer["Location"] == url("conversation_detail", conversation.public_id)
    page = html(client.get(answer["Location"]))
    assert "Dispute about the session of 5 Mar" in page and "Party to the dispute" in page

    # Once the respondent answers, the neutral mediator joins; nobody can block them.
    mediator = Mediator.objects.create(user=UserFactory(display_name="Mo Mediator")).user
    disputes.dispute_respond(user=mentor.user, dispute_id=dispute.public_id, text="I stayed.")
    page = html(client.get(answer["Location"]))
    assert "Mo Mediator" in page and 'Block<span class="visually-hidden"> Mo Mediator' not in page
    key = _participant_key(conversation.public_id, mediator)
    refused = client.post(url("person_block", conversation.public_id), {"person": key})
    assert refused.status_code == 403 and not Block.objects.exists()


# --- reading and writing ------------------------------------------------------------------


def test_members_read_and_write_and_html_shows_as_text(client, talk, mentee, mentor):
    as_person(client, mentor.user)
    answer = client.post(
        url("conversation_detail", talk.public_id),
        {"body": "<script>alert('hi')</script> See you <b>Tuesday</b>"},
    )
    assert answer.status_code == 302
    message = Message.objects.get()
    assert message.author == mentor.user

    as_person(client, mentee)
    page = html(client.get(url("conversation_detail", talk.public_id)))
    escaped = (
        "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; See you &lt;b&gt;Tuesday&lt;/b&gt;"
    )
    assert escaped in page
    assert "<script>alert" not in page and "<b>Tuesday" not in page
    assert "Session with Nia Negotiator" in page
    assert url("session_detail", talk.booking.public_id) in page


def test_strangers_and_forged_ids_get_404_and_change_nothing(client, talk, mentee, outsider):
    post(talk, mentee, "Only for the two of us")
    as_person(client, outsider)
    for name in ("conversation_detail", "conversation_messages", "conversation_events"):
        assert client.get(url(name, talk.public_id)).status_code == 404
        assert client.get(url(name, "forged-id")).status_code == 404
    answer = client.post(url("conversation_detail", talk.public_id), {"body": "Hello?"})
    assert answer.status_code == 404
    assert client.post(url("conversation_read", talk.public_id)).status_code == 404
    assert list(Message.objects.values_list("body", flat=True)) == ["Only for the two of us"]
    assert not ConversationMember.objects.filter(person=outsider).exists()


def test_opening_the_page_marks_messages_and_their_notification_read(client, talk, mentee, mentor):
    post(talk, mentor.user, "First")
    last = post(talk, mentor.user, "Second")
    member = ConversationMember.objects.get(conversation=talk, person=mentee)
    assert member.last_read_message_id < last.pk
    assert Notification.objects.filter(recipient=mentee, read_at__isnull=True).exists()

    as_person(client, mentee)
    home = html(client.get(url("home")))
    assert '1<span class="visually-hidden"> conversation with unread messages' in home
    client.get(url("conversation_detail", talk.public_id))

    member.refresh_from_db()
    assert member.last_read_message_id == last.pk
    assert not Notification.objects.filter(recipient=mentee, read_at__isnull=True).exists()
    assert "conversation with unread messages" not in html(client.get(url("home")))


def test_an_empty_message_is_refused_on_the_form(client, talk, mentee):
    as_person(client, mentee)
    answer = client.post(url("conversation_detail", talk.public_id), {"body": "   "})
    assert answer.status_code == 422
    assert "Write a message or attach a file." in html(answer)
    assert not Message.objects.exists()


def test_a_message_with_files_links_them_with_their_size(client, talk, mentee, mentor, settings):
    as_person(client, mentee)
    files = [
        SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("notes.txt", b"Ask for 15% more.\n", content_type="text/plain"),
    ]
    answer = client.post(
        url("conversation_detail", talk.public_id), {"body": "My plan", "files": files}
    )
    assert answer.status_code == 302
    plan = Attachment.objects.get(name="plan.pdf")

    as_person(client, mentor.user)
    page = html(client.get(url("conversation_detail", talk.public_id)))
    assert f'href="{url("attachment", plan.public_id)}"' in page and "plan.pdf" in page
    assert "notes.txt" in page and "18\xa0bytes" in page

    download = client.get(url("attachment", plan.public_id))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_attachments_are_for_members_only(client, talk, mentee, outsider):
    post(talk, mentee, files=[SimpleUploadedFile("plan.pdf", PDF)])
    attachment = Attachment.objects.get()
    as_person(client, outsider)
    assert client.get(url("attachment", attachment.public_id)).status_code == 404
    assert client.get(url("attachment", "forged-id")).status_code == 404


@pytest.mark.parametrize(
    "upload, refusal",
    [
        (SimpleUploadedFile("big.pdf", PDF + b"0" * 2048), "files can be at most"),
        (SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 60), "Files can be"),
        (SimpleUploadedFile("notes.pdf", b"MZ\x90\x00" + b"\x00" * 60), "Files can be"),
        (SimpleUploadedFile("page.txt", b"<html><script>x</script></html>"), "Files can be"),
    ],
    ids=["oversized", "program", "program-renamed", "html"],
)
def test_an_unsafe_or_oversized_file_is_refused_and_nothing_is_saved(
    client, talk, mentee, settings, upload, refusal
):
    settings.HEADSTRT_ATTACHMENT_MAX_BYTES = 1024
    as_person(client, mentee)
    answer = client.post(
        url("conversation_detail", talk.public_id), {"body": "Look", "files": [upload]}
    )
    assert answer.status_code in (413, 422)
    page = html(answer)
    assert refusal in page and 'role="alert"' in page
    assert "Look</textarea>" in page  # what was written is kept on the form
    assert not Message.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_sending_needs_the_csrf_token(talk, mentee):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mentee)
    answer = strict.post(url("conversation_detail", talk.public_id), {"body": "Hello"})
    assert answer.status_code == 403
    assert strict.post(url("conversation_read", talk.public_id)).status_code == 403
    assert not Message.objects.exists()


def test_earlier_messages_load_on_request(client, talk, mentee, frozen):
    for number in range(55):
        post(talk, mentee, f"Message number {number}")
        frozen.move(seconds=3)
    as_person(client, mentee)
    page = html(client.get(url("conversation_detail", talk.public_id)))
    assert "Message number 54" in page and "Message number 4<" not in page
    first_shown = Message.objects.get(body="Message number 5")
    earlier = f"?before={first_shown.pk}"
    assert earlier in page

    older = html(client.get(url("conversation_detail", talk.public_id) + earlier))
    assert "Message number 0<" in older and "Message number 5<" not in older
    assert "Back to the latest messages" in older and "data-events-url" not in older
    bad = client.get(url("conversation_detail", talk.public_id) + "?before=x")
    assert bad.status_code == 400


def test_a_removed_message_says_so_without_its_words(client, talk, mentee, mentor, staff):
    message = post(talk, mentor.user, "Something rude")
    report = services.message_report(user=mentee, message_id=message.public_id, reason="Rude")
    services.message_report_resolve(staff=staff, report_id=report.public_id, upheld=True)
    as_person(client, mentee)
    page = html(client.get(url("conversation_detail", talk.public_id)))
    assert "Removed by staff." in page and "Something rude" not in page


# --- live updates -------------------------------------------------------------------------


def test_polling_returns_the_messages_after_the_one_given(client, talk, mentee, mentor):
    first = post(talk, mentee, "Hello")
    post(talk, mentor.user, "Hi <you>")
    as_person(client, mentee)

    answer = client.get(url("conversation_messages", talk.public_id), {"after": first.pk})

    fragment = html(answer)
    assert answer.status_code == 200 and answer["Cache-Control"].startswith("max-age=0")
    assert "Hi &lt;you&gt;" in fragment and "Hello" not in fragment
    assert fragment.count("data-message-id") == 1
    everything = html(client.get(url("conversation_messages", talk.public_id)))
    assert everything.count("data-message-id") == 2
    for mangled in ("-1", "x"):
        answer = client.get(url("conversation_messages", talk.public_id), {"after": mangled})
        assert answer.status_code == 400


@pytest.fixture
def short_streams(settings):
    settings.HEADSTRT_STREAM_SECONDS = 0.3
    settings.HEADSTRT_STREAM_POLL_SECONDS = 0.05


def events(chunks) -> list[dict]:
    """The events of a stream's text, as dicts of their fields."""
    found = []
    for block in "".join(chunks).split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":")
        )
        if fields:
            found.append(fields)
    return found


def test_the_event_stream_sends_new_messages_then_ends(client, talk, mentee, mentor, short_streams):
    first = post(talk, mentor.user, "Before")
    as_person(client, mentee)

    answer = client.get(url("conversation_events", talk.public_id), {"after": 0})

    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/event-stream"
    assert "no-cache" in answer["Cache-Control"]
    stream = (chunk.decode() for chunk in answer.streaming_content)
    chunks = [next(stream), next(stream)]
    # Written while the stream is open: it arrives on the same stream.
    second = post(talk, mentor.user, "During\nthe <stream>")
    chunks += list(stream)
    found = events(chunks)
    assert found[0] == {"retry": "2000"} and found[-1] == {"retry": "2000"}
    messages = [event for event in found if event.get("event") == "message"]
    assert [event["id"] for event in messages] == [str(first.pk), str(second.pk)]
    assert "During<br>the &lt;stream&gt;" in messages[1]["data"]
    assert all("\n" not in event["data"] for event in messages)


def test_the_event_stream_resumes_after_the_last_event_id(
    client, talk, mentee, mentor, short_streams
):
    first = post(talk, mentor.user, "Seen already")
    second = post(talk, mentor.user, "Not yet seen")
    as_person(client, mentee)

    answer = client.get(
        url("conversation_events", talk.public_id) + "?after=0", HTTP_LAST_EVENT_ID=str(first.pk)
    )

    found = events(chunk.decode() for chunk in answer.streaming_content)
    assert [event["id"] for event in found if "id" in event] == [str(second.pk)]
    bad = client.get(url("conversation_events", talk.public_id), HTTP_LAST_EVENT_ID="x")
    assert bad.status_code == 400


def test_streams_can_be_turned_off_so_pages_poll(client, talk, mentee, settings):
    settings.HEADSTRT_STREAM_SECONDS = 0
    as_person(client, mentee)
    assert client.get(url("conversation_events", talk.public_id)).status_code == 204


def test_the_page_marks_read_what_arrived_while_it_was_open(client, talk, mentee, mentor):
    first = post(talk, mentor.user, "One")
    second = post(talk, mentor.user, "Two")
    as_person(client, mentee)

    answer = client.post(url("conversation_read", talk.public_id), {"up_to": first.pk})

    assert answer.status_code == 204
    member = ConversationMember.objects.get(conversation=talk, person=mentee)
    assert member.last_read_message_id == first.pk
    client.post(url("conversation_read", talk.public_id))
    member.refresh_from_db()
    assert member.last_read_message_id == second.pk
    assert client.post(url("conversation_read", talk.public_id), {"up_to": "x"}).status_code == 400


# --- reports and blocks -------------------------------------------------------------------


def test_a_member_reports_a_message_once(client, talk, mentee, mentor):
    message = post(talk, mentor.user, "Pay me outside the platform")
    as_person(client, mentee)
    report_url = url("message_report", talk.public_id, message.public_id)

    answer = client.post(report_url, {"reason": "Asks for payment outside"}, follow=True)

    assert "staff will look at the message" in html(answer)
    report = MessageReport.objects.get()
    assert report.reporter == mentee and report.reason == "Asks for payment outside"
    again = client.post(report_url, {"reason": "Again"}, follow=True)
    assert MessageReport.objects.count() == 1 and "message--error" in html(again)


def test_reports_of_ones_own_or_anothers_messages_are_refused(client, talk, mentee, outsider):
    mine = post(talk, mentee, "My words")
    as_person(client, mentee)
    page = html(client.get(url("conversation_detail", talk.public_id)))
    assert "Send the report" not in page
    client.post(url("message_report", talk.public_id, mine.public_id), {"reason": "x"})
    as_person(client, outsider)
    answer = client.post(url("message_report", talk.public_id, mine.public_id), {"reason": "x"})
    assert answer.status_code == 404
    assert not MessageReport.objects.exists()


def test_blocking_hides_a_persons_messages_until_unblocked(client, talk, mentee, mentor):
    post(talk, mentor.user, "Buy my course")
    as_person(client, mentee)
    page = html(client.get(url("conversation_detail", talk.public_id)))
    assert mentor.user.public_id not in page  # forms name people by an opaque key
    key = _participant_key(talk.public_id, mentor.user)
    assert f'value="{key}"' in page

    client.post(url("person_block", talk.public_id), {"person": key})

    assert Block.objects.filter(blocker=mentee, blocked=mentor.user).exists()
    page = html(client.get(url("conversation_detail", talk.public_id)))
    assert "Buy my course" not in page and "Unblock" in page
    client.post(url("person_unblock", talk.public_id), {"person": key})
    assert not Block.objects.exists()
    assert "Buy my course" in html(client.get(url("conversation_detail", talk.public_id)))


def test_block_forms_with_a_forged_or_ones_own_key_change_nothing(
    client, talk, mentee, mentor, outsider
):
    as_person(client, mentee)
    for key in ("forged", _participant_key(talk.public_id, mentee)):
        assert client.post(url("person_block", talk.public_id), {"person": key}).status_code == 404
    as_person(client, outsider)
    key = _participant_key(talk.public_id, mentor.user)
    assert client.post(url("person_block", talk.public_id), {"person": key}).status_code == 404
    assert not Block.objects.exists()


def test_a_person_everyone_blocked_cannot_write(client, talk, mentee, mentor):
    services.person_block(user=mentee, person_id=mentor.user.public_id)
    as_person(client, mentor.user)
    answer = client.post(url("conversation_detail", talk.public_id), {"body": "Hello?"})
    assert answer.status_code == 403
    page = html(answer)
    assert "has blocked messages from you." in page and "<textarea" not in page
    assert not Message.objects.exists()


# --- lists and the staff's queue ----------------------------------------------------------


def conversations_with(frozen, mentor, mentee, count: int) -> list[Conversation]:
    talks = []
    for day in range(count):
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7 * day))
        talk = services.conversation_open(user=mentee, booking_id=booking.public_id)
        frozen.move(minutes=1)
        post(talk, mentor.user, f"Note {day}")
        talks.append(talk)
    return talks


@pytest.mark.parametrize("count", [1, 4])
def test_the_list_shows_the_latest_first_at_a_fixed_query_count(
    client, frozen, mentor, mentee, count, django_assert_num_queries
):
    conversations_with(frozen, mentor, mentee, count)
    as_person(client, mentee)

    # session, user; the person's conversations, then their engagements; the badges.
    with django_assert_num_queries(5):
        page = html(client.get(url("conversations")))

    notes = [page.index(f"Note {day}") for day in range(count)]
    assert notes == sorted(notes, reverse=True)
    assert page.count('<span class="visually-hidden"> unread message') == count


def test_the_staff_queue_removes_or_dismisses(
    client, talk, mentee, mentor, staff, django_assert_num_queries
):
    rude = post(talk, mentor.user, "Rude words")
    fine = post(talk, mentor.user, "Fine words")
    for message in (rude, fine):
        services.message_report(user=mentee, message_id=message.public_id, reason="Rude")
    as_person(client, mentee)
    assert client.get(url("staff_message_reports")).status_code == 302  # to the staff sign-in

    as_person(client, staff)
    # session, user; count and page of open reports; the badges.
    with django_assert_num_queries(5):
        page = html(client.get(url("staff_message_reports")))
    assert page.count("Remove the message") == 2 and "Rude words" in page
    rude_report = MessageReport.objects.get(message=rude)
    fine_report = MessageReport.objects.get(message=fine)

    client.post(url("staff_message_report_resolve", rude_report.public_id), {"decision": "remove"})
    client.post(url("staff_message_report_resolve", fine_report.public_id), {"decision": "dismiss"})

    rude.refresh_from_db()
    fine.refresh_from_db()
    assert rude.hidden_at is not None and fine.hidden_at is None
    assert "No open reports" in html(client.get(url("staff_message_reports")))
    bad = client.post(url("staff_message_report_resolve", "forged"), {"decision": "remove"})
    assert bad.status_code == 404


def test_people_other_than_staff_cannot_resolve_reports(client, talk, mentee, mentor):
    message = post(talk, mentor.user, "Rude words")
    report = services.message_report(user=mentee, message_id=message.public_id, reason="Rude")
    as_person(client, mentee)
    client.post(url("staff_message_report_resolve", report.public_id), {"decision": "remove"})
    message.refresh_from_db()
    report.refresh_from_db()
    assert message.hidden_at is None and report.resolved_at is None


# --- disputes -----------------------------------------------------------------------------


@pytest.fixture
def disputed(frozen, mentor, mentee):
    from headstrt.disputes import services as disputes
    from headstrt.scheduling import services as scheduling

    booking = book(mentor, mentee)
    frozen.set(booking.end + timedelta(minutes=1))
    scheduling.booking_complete(user=mentor.user, booking_id=booking.public_id)
    return disputes.dispute_open(
        user=mentee,
        booking_id=booking.public_id,
        reason="quality",
        description="The mentor left after ten minutes.",
        wanted="refund",
    )


def test_files_sent_in_a_disputes_conversation_show_on_the_case(
    client, disputed, mentee, mentor, staff
):
    conversation = services.conversation_open(user=mentee, dispute_id=disputed.public_id)
    sent = post(conversation, mentee, files=[SimpleUploadedFile("proof.pdf", PDF)])
    attachment = sent.attachments.get()

    as_person(client, mentor.user)
    page = html(client.get(url("dispute_detail", disputed.public_id)))
    link = f'<a href="{url("attachment", attachment.public_id)}" download>proof.pdf</a>'
    assert link in page and "No messages yet." not in page
    assert client.get(url("attachment", attachment.public_id)).status_code == 200
    # Staff read the case, not the conversation: the file is named without a link.
    as_person(client, staff)
    page = html(client.get(url("dispute_detail", disputed.public_id)))
    assert "proof.pdf" in page and link not in page


def test_a_closed_conversation_still_sends_read_state(frozen, disputed, mentee):
    from headstrt.disputes import services as disputes

    conversation = services.conversation_open(user=mentee, dispute_id=disputed.public_id)
    frozen.move(hours=49)
    assert disputes.disputes_advance() == 1  # unanswered: resolved as the opener asked

    # The page has no message form; the token the script sends read state with comes with
    # the conversation itself.
    browser = as_person(Client(enforce_csrf_checks=True), mentee)
    page = html(browser.get(url("conversation_detail", conversation.public_id)))
    assert "The dispute is resolved, so its conversation is closed." in page
    assert 'name="body"' not in page
    chat = page.split('class="chat"', 1)[1].split(">", 1)[0]
    token = chat.split('data-csrf-token="', 1)[1].split('"', 1)[0]
    answer = browser.post(
        url("conversation_read", conversation.public_id), {}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code < 400
