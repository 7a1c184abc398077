"""Unread messages: the count each conversation shows in the list and the total (the
navigation's badge) are one definition, so they agree whatever hides a message."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

import pytest

from headstrt.disputes import services as dispute_services
from headstrt.messaging import conversation_reads as reads
from headstrt.messaging.conversations import (
    conversation_mark_read,
    conversation_open,
    message_report,
    message_report_resolve,
    person_block,
)
from tests.disputes.cases import live_mediator
from tests.disputes.conftest import pool
from tests.factories import UserFactory
from tests.messaging.talking import frozen, mentee, mentor, post, session
from tests.messaging.test_conversations_engagements import _question, dispute

pytestmark = pytest.mark.django_db


def _counts(person) -> dict[str, int]:
    return {
        summary.conversation.public_id: summary.unread
        for summary in reads.conversations_for_person(user=person)
    }


def test_the_conversations_unread_counts_add_up_to_the_total(dispute, mentee, mentor):
    staff = UserFactory(is_staff=True)
    mediator = live_mediator(dispute)
    talk = conversation_open(user=mentee, booking_id=dispute.booking.public_id)
    post(mentor.user, talk, "Before the block")
    case = conversation_open(user=mentee, dispute_id=dispute.public_id)
    post(mentor.user, case, "My notes")
    abusive = post(mentor.user, case, "Something abusive")
    post(mediator, case, "Please both add your notes.")
    report = message_report(user=mentee, message_id=abusive.public_id, reason="Abusive")
    message_report_resolve(staff=staff, report_id=report.public_id, upheld=True)
    question, first, _second = _question(mentee, anonymous=True)
    asked = conversation_open(user=first.user, request_id=question.public_id)
    post(first.user, asked, "A first thought")
    post(mentee, asked, "Thanks")  # writing reads what came before; one's own is not unread
    post(first.user, asked, "And a second")
    # Blocks hide the mentor's messages where they apply (the session's conversation), not
    # in the dispute's.
    person_block(user=mentee, person_id=mentor.user.public_id)

    counts = _counts(mentee)
    assert counts == {talk.public_id: 0, case.public_id: 2, asked.public_id: 1}
    assert reads.unread_message_count(user=mentee) == 3
    conversation_mark_read(user=mentee, conversation_id=asked.public_id)
    post(first.user, asked, "One more")
    assert _counts(mentee)[asked.public_id] == 1
    for person in (mentee, mentor.user, mediator, first.user):
        assert reads.unread_message_count(user=person) == sum(_counts(person).values()), person
