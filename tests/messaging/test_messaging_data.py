"""What messaging holds about a person: it is in their data export, and it leaves with their
account without taking the other people's words with it."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

from pathlib import Path

import pytest

from headstrt.accounts.selectors import account_export
from headstrt.accounts.services import account_delete
from headstrt.messaging.conversations import conversation_open, person_block
from headstrt.messaging.models import Attachment, Message
from headstrt.messaging.preferences import category_named, email_preference_set
from tests.messaging.talking import PNG, committed, frozen, mentee, post, stranger, upload
from tests.messaging.test_conversations_engagements import _question

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_persons_messages_choices_and_blocks_only(frozen, mentee, stranger):
    request, first, second = _question(mentee)
    conversation = conversation_open(user=mentee, request_id=request.public_id)
    post(mentee, conversation, "Mine, with a file", files=[upload("notes.png", PNG, "image/png")])
    post(first.user, conversation, "Theirs")
    email_preference_set(user=mentee, category=category_named("message"), email=False)
    person_block(user=mentee, person_id=second.user.public_id)

    export = account_export(user=mentee)

    assert [(m["body"], m["files"]) for m in export["messages"]] == [
        ("Mine, with a file", ["notes.png"])
    ]
    assert export["messages"][0]["conversation"] == conversation.public_id
    assert export["email_preferences"] == {"message": False}
    assert export["message_blocks"] == [second.user.public_id]
    assert account_export(user=stranger)["messages"] == []


def test_a_mentor_who_leaves_takes_their_messages_and_the_conversation_stays(frozen, mentee):
    request, first, second = _question(mentee)
    conversation = conversation_open(user=mentee, request_id=request.public_id)
    post(mentee, conversation, "Any first thoughts?")
    post(first.user, conversation, "Yes, a few")

    account_delete(user=first.user)

    assert list(
        Message.objects.filter(conversation=conversation).values_list("body", flat=True)
    ) == ["Any first thoughts?"]


def test_the_files_of_a_persons_messages_leave_with_their_account(frozen, mentee, committed):
    request, first, second = _question(mentee)
    conversation = conversation_open(user=mentee, request_id=request.public_id)
    post(first.user, conversation, "My notes", files=[upload("notes.png", PNG, "image/png")])
    post(mentee, conversation, "Mine", files=[upload("mine.png", PNG, "image/png")])
    theirs, mine = (
        Path(Attachment.objects.get(message__author=person).file.path)
        for person in (first.user, mentee)
    )

    with committed():
        account_delete(user=first.user)

    assert not theirs.exists()
    assert mine.exists()
    assert list(Attachment.objects.values_list("name", flat=True)) == ["mine.png"]
