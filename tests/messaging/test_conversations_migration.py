"""The migration that moved case messages into dispute conversations, forwards and back:
nothing is lost either way, and it can be applied again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from headstrt.disputes import services as dispute_services
from headstrt.messaging import conversation_reads as reads
from headstrt.messaging.models import Conversation, ConversationMember, Message
from tests.disputes.cases import open_dispute
from tests.messaging.talking import PNG, frozen, mentee, mentor, post, session, upload  # noqa: F401
from tests.scheduling.sessions import TUESDAY_9

BEFORE = [("disputes", "0001_initial"), ("messaging", "0002_conversations_and_preferences")]
AFTER = [
    ("disputes", "0002_case_messages_in_conversations"),
    ("messaging", "0003_dispute_messages_into_conversations"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_case_messages_go_back_and_forth_without_loss(frozen, session, mentee, mentor):  # noqa: F811
    from headstrt.scheduling import services as scheduling

    frozen.set(TUESDAY_9 + timedelta(minutes=35))
    scheduling.booking_complete(user=mentee, booking_id=session.public_id)
    dispute = open_dispute(session, mentee)
    dispute_services.dispute_message_send(user=mentee, dispute_id=dispute.public_id, body="First")
    conversation = Conversation.objects.get(dispute=dispute)
    post(mentee, conversation, "", files=[upload("proof.png", PNG)])
    try:
        old = migrate(BEFORE)
        DisputeMessage = old.get_model("disputes", "DisputeMessage")
        assert not Conversation.objects.exists() and not Message.objects.exists()
        assert list(DisputeMessage.objects.order_by("pk").values_list("author_id", "body")) == [
            (mentee.pk, "First"),
            (mentee.pk, "Attached: proof.png"),
        ]
        DisputeMessage.objects.create(
            dispute_id=dispute.pk,
            author_id=mentor.user.pk,
            body="Written meanwhile",
            created_at=frozen.now + timedelta(minutes=5),
        )
    finally:
        migrate(AFTER)

    conversation = Conversation.objects.get(dispute=dispute)
    messages = list(conversation.messages.order_by("pk").values_list("author_id", "body"))
    assert messages == [
        (mentee.pk, "First"),
        (mentee.pk, "Attached: proof.png"),
        (mentor.user.pk, "Written meanwhile"),
    ]
    assert conversation.last_message_at == frozen.now + timedelta(minutes=5)
    last = conversation.messages.order_by("pk").last().pk
    members = ConversationMember.objects.filter(conversation=conversation)
    assert sorted(members.values_list("person_id", "active", "last_read_message_id")) == sorted(
        [(mentee.pk, True, last), (mentor.user.pk, True, last)]
    )
    # Both parties find it in their lists, nothing unread: the case page showed it all.
    for person in (mentee, mentor.user):
        assert [s.conversation.pk for s in reads.conversations_for_person(user=person)] == [
            conversation.pk
        ]
        assert reads.unread_message_count(user=person) == 0
