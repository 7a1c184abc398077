"""Shared set-up for the conversation tests: the scheduling tests' clock, Paris mentor and
Tokyo mentee with their booked session, someone with no part in it, posting through the
services, uploads, and a snapshot of everything a refused action must leave alone.

Test modules import the fixtures they use by name."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from headstrt.messaging.models import (
    Attachment,
    Block,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
    Notification,
)
from tests.scheduling.conftest import committed, frozen, mentee, mentor  # noqa: F401


def image(kind: str = "PNG") -> bytes:
    """A small real image in ``kind`` (PNG, JPEG, GIF, WEBP)."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 80, 40)).save(buffer, format=kind)
    return buffer.getvalue()


PNG = image()


@pytest.fixture
def session(frozen, mentor, mentee):  # noqa: F811 - the fixtures imported above
    """The mentor's and the mentee's booked (paid, confirmed) session on Tuesday."""
    from tests.scheduling.sessions import book

    return book(mentor, mentee)


@pytest.fixture
def stranger(db):
    from tests.factories import UserFactory

    return UserFactory(display_name="Sol Stranger", email="sol@example.org")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def post(user, conversation, body="Hello", files=()):
    from headstrt.messaging.conversations import message_post

    return message_post(
        user=user, conversation_id=conversation.public_id, body=body, files=list(files)
    )


def talk_state() -> tuple:
    """Every row a conversation action could write, to show a refused one wrote none."""
    return (
        sorted(Conversation.objects.values_list("pk", "last_message_at")),
        sorted(
            ConversationMember.objects.values_list(
                "conversation_id", "person_id", "active", "last_read_message_id", "emailed_at"
            )
        ),
        sorted(Message.objects.values_list("pk", "body", "hidden_at")),
        sorted(Attachment.objects.values_list("pk", "file")),
        sorted(Block.objects.values_list("blocker_id", "blocked_id")),
        sorted(MessageReport.objects.values_list("pk", "resolved_at", "upheld")),
        sorted(Notification.objects.values_list("pk", "read_at")),
    )
