"""In a real browser: the mentee opens a session's conversation from the session page and the
mentor's message appears there without a reload, through server-sent events, or by polling
where the browser has no EventSource; what arrives while the page is in view is marked read.
Every page passes axe."""

# ruff: noqa: F811 (the fixtures imported below are then named as test arguments)

import time

import pytest

from headstrt.messaging.models import ConversationMember, Message
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking import log_in
from tests.scheduling.conftest import frozen, mentee, mentor  # noqa: F401
from tests.scheduling.sessions import book

pytestmark = pytest.mark.django_db(transaction=True)

REPLY = "Bring your current offer letter <and> two market figures."


@pytest.fixture(autouse=True)
def _short_streams(settings):
    # Streams end and reconnect within the test, as they do every 25 s in production.
    settings.HEADSTRT_STREAM_SECONDS = 4
    settings.HEADSTRT_STREAM_POLL_SECONDS = 0.2


def wait_until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def two_sides_on_one_conversation(new_page, mentor, mentee, *, init_script: str = ""):
    """The mentee opens the session's conversation from the session page and writes; the
    mentor opens it too. Both pages, and every URL the mentee's page asked for."""
    booking = book(mentor, mentee)
    mia = new_page()
    if init_script:
        mia.add_init_script(init_script)
    asked = []
    mia.on("request", lambda request: asked.append(request.url))
    log_in(mia, "mia@example.org")
    mia.goto(f"/sessions/{booking.public_id}/")
    mia.get_by_role("button", name="Messages").click()
    mia.get_by_role("heading", name="Write a message").wait_for()
    mia.get_by_role("textbox", name="Message").fill("Hello! What should I prepare?")
    mia.get_by_role("button", name="Send").click()
    mia.get_by_text("Your message is sent.").wait_for()
    assert_accessible(mia)

    nia = new_page(width=390, height=844)
    log_in(nia, "nia@example.org")
    nia.goto(mia.url)
    nia.get_by_text("Hello! What should I prepare?").wait_for()
    assert_accessible(nia)
    return mia, nia, asked


def reply_arrives_without_reload(mia, nia, mentee) -> None:
    mia.evaluate("() => { window.stillTheSamePage = true; }")
    nia.get_by_role("textbox", name="Message").fill(REPLY)
    nia.get_by_role("button", name="Send").click()
    nia.get_by_text("Your message is sent.").wait_for()

    mia.get_by_text(REPLY).wait_for(timeout=15_000)
    assert mia.evaluate("() => window.stillTheSamePage === true")
    assert mia.get_by_role("log").get_by_text(REPLY).count() == 1
    reply = Message.objects.get(body=REPLY)
    member = ConversationMember.objects.filter(person=mentee)
    wait_until(lambda: member.get().last_read_message_id == reply.pk)
    assert_accessible(mia)
    assert not mia.console_errors


def test_a_reply_arrives_live_through_server_sent_events(new_page, frozen, mentor, mentee):
    mia, nia, asked = two_sides_on_one_conversation(new_page, mentor, mentee)
    reply_arrives_without_reload(mia, nia, mentee)
    assert any("/events/" in address for address in asked)


def test_without_event_source_the_page_polls(new_page, frozen, mentor, mentee):
    mia, nia, asked = two_sides_on_one_conversation(
        new_page, mentor, mentee, init_script="delete window.EventSource;"
    )
    reply_arrives_without_reload(mia, nia, mentee)
    assert not any("/events/" in address for address in asked)
    assert any("/messages/?after=" in address for address in asked)
