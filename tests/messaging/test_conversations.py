"""Conversations around engagements: who may open and write in one, messages and their
notifications, read state, blocks, reports and the rate limit."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

from datetime import timedelta

import pytest

from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.messaging.conversations import (
    MESSAGE_RECEIVED,
    conversation_mark_read,
    conversation_open,
    conversation_url,
    message_report,
    message_report_resolve,
    person_block,
    person_unblock,
)
from headstrt.messaging.models import (
    MAX_MESSAGE,
    Block,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
    Notification,
)
from tests.factories import UserFactory
from tests.messaging.talking import (
    committed,
    frozen,
    mentee,
    mentor,
    post,
    session,
    stranger,
    talk_state,
)
from tests.scheduling.sessions import TUESDAY_9, hold

pytestmark = pytest.mark.django_db


def opened(user, booking):
    return conversation_open(user=user, booking_id=booking.public_id)


def members(conversation) -> dict[int, bool]:
    return dict(
        ConversationMember.objects.filter(conversation=conversation).values_list(
            "person_id", "active"
        )
    )


def refused(code, call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# Opening


def test_a_session_has_one_conversation_of_its_mentee_and_mentor(session, mentor, mentee):
    first = opened(mentee, session)
    again = opened(mentor.user, session)
    assert again.pk == first.pk and first.booking_id == session.pk
    assert Conversation.objects.count() == 1
    assert members(first) == {mentee.pk: True, mentor.user.pk: True}


def test_a_stranger_cannot_open_a_session_conversation_and_nothing_is_created(session, stranger):
    before = talk_state()
    with pytest.raises(NotFound):
        opened(stranger, session)
    with pytest.raises(NotFound):
        conversation_open(user=stranger, booking_id="nosuchsession")
    assert talk_state() == before


def test_a_slot_held_in_checkout_has_no_conversation_yet(frozen, mentor, mentee):
    held = hold(mentor, mentee)
    before = talk_state()
    error = refused("no_conversation", opened, user=mentee, booking=held)
    assert error.status == 409 and "requested or booked" in error.message
    assert talk_state() == before


def test_exactly_one_engagement_is_named(session, mentee):
    refused("engagement_required", conversation_open, user=mentee)
    refused(
        "engagement_required",
        conversation_open,
        user=mentee,
        booking_id=session.public_id,
        dispute_id="x",
    )
    with pytest.raises(NotFound):
        conversation_open(user=mentee, booking_id=["list"])


# Messages


def test_a_message_is_stored_as_plain_text_and_moves_the_authors_read_pointer(
    frozen, session, mentee, mentor
):
    conversation = opened(mentee, session)
    message = post(mentee, conversation, "  <script>alert(1)</script> see you  ")
    assert message.body == "<script>alert(1)</script> see you"
    conversation.refresh_from_db()
    assert conversation.last_message_at == frozen.now
    author = ConversationMember.objects.get(conversation=conversation, person=mentee)
    other = ConversationMember.objects.get(conversation=conversation, person=mentor.user)
    assert (author.last_read_message_id, other.last_read_message_id) == (message.pk, 0)


@pytest.mark.parametrize(
    ("body", "files", "code", "status"),
    [
        ("", 0, "message_empty", 422),
        ("   \n ", 0, "message_empty", 422),
        (None, 0, "message_empty", 422),
        ("x" * (MAX_MESSAGE + 1), 0, "message_too_long", 422),
        (42, 0, "message_invalid", 422),
        ("four files", 4, "too_many_attachments", 422),
    ],
)
def test_bad_messages_are_refused_and_nothing_changes(session, mentee, body, files, code, status):
    from tests.messaging.talking import upload

    conversation = opened(mentee, session)
    uploads = [upload(f"n{n}.txt", b"notes") for n in range(files)]
    before = talk_state()
    error = refused(code, post, user=mentee, conversation=conversation, body=body, files=uploads)
    assert error.status == status
    assert talk_state() == before


def test_a_stranger_cannot_write_in_a_conversation(session, mentee, stranger):
    conversation = opened(mentee, session)
    before = talk_state()
    with pytest.raises(NotFound):
        post(stranger, conversation, "Let me in")
    assert talk_state() == before


def test_the_rate_limit_counts_a_persons_messages_of_the_last_minute(
    settings, frozen, session, mentee
):
    settings.HEADSTRT_MESSAGES_PER_MINUTE = 3
    conversation = opened(mentee, session)
    for n in range(3):
        post(mentee, conversation, f"Message {n}")
    before = talk_state()
    error = refused("rate_limited", post, user=mentee, conversation=conversation, body="More")
    assert error.status == 429
    assert talk_state() == before
    frozen.move(seconds=61)
    post(mentee, conversation, "After a minute")


# Notifications: one unread notification and one email per burst


def test_the_other_side_is_told_once_per_burst_of_unread_messages(
    frozen, session, mentee, mentor, committed, mailbox
):
    conversation = opened(mentee, session)
    with committed():
        post(mentee, conversation, "Can we talk about my offer first?")
        post(mentee, conversation, "And the start date.")
    notes = Notification.objects.filter(recipient=mentor.user, kind=MESSAGE_RECEIVED)
    assert notes.count() == 1
    note = notes.get()
    assert note.url == conversation_url(conversation) == f"/conversations/{conversation.public_id}/"
    assert note.title == "Mia Mentee wrote in “Session with Mia Mentee, 5 Mar”"
    assert note.body == "Can we talk about my offer first?"
    assert [message["To"] for message in mailbox.messages] == ["nia@example.org"]
    assert not Notification.objects.filter(recipient=mentee, kind=MESSAGE_RECEIVED).exists()

    conversation_mark_read(user=mentor.user, conversation_id=conversation.public_id)
    note.refresh_from_db()
    assert note.read_at == frozen.now
    mailbox.clear()
    frozen.move(minutes=5)
    with committed():
        post(mentee, conversation, "One more thing.")
    assert notes.filter(read_at__isnull=True).count() == 1
    assert [message["To"] for message in mailbox.messages] == ["nia@example.org"]


def test_reading_part_of_a_burst_keeps_the_notification(frozen, session, mentee, mentor):
    conversation = opened(mentee, session)
    first = post(mentee, conversation, "One")
    post(mentee, conversation, "Two")
    conversation_mark_read(user=mentor.user, conversation_id=conversation.public_id, up_to=first.pk)
    member = ConversationMember.objects.get(conversation=conversation, person=mentor.user)
    assert member.last_read_message_id == first.pk
    assert Notification.objects.get(recipient=mentor.user).read_at is None
    # The pointer never moves back, nor past the latest message.
    conversation_mark_read(user=mentor.user, conversation_id=conversation.public_id, up_to=0)
    conversation_mark_read(user=mentor.user, conversation_id=conversation.public_id, up_to=10**9)
    member.refresh_from_db()
    assert member.last_read_message_id == Message.objects.latest("pk").pk
    refused(
        "invalid",
        conversation_mark_read,
        user=mentor.user,
        conversation_id=conversation.public_id,
        up_to="all",
    )


# Blocks


def test_a_blocked_author_is_not_notified_to_the_blocker_and_cannot_post_alone(
    session, mentee, mentor
):
    conversation = opened(mentee, session)
    block = person_block(user=mentor.user, person_id=mentee.public_id)
    assert person_block(user=mentor.user, person_id=mentee.public_id).pk == block.pk
    before = talk_state()
    error = refused("blocked", post, user=mentee, conversation=conversation, body="Hello?")
    assert error.status == 403
    assert error.message == "Nia Negotiator has blocked messages from you."
    assert talk_state() == before
    # The blocker can still write.
    post(mentor.user, conversation, "I will answer on the platform's support line.")
    person_unblock(user=mentor.user, person_id=mentee.public_id)
    post(mentee, conversation, "Thanks")
    assert Notification.objects.filter(recipient=mentor.user, kind=MESSAGE_RECEIVED).count() == 1


def test_blocking_yourself_or_nobody_is_refused(mentee):
    refused("block_self", person_block, user=mentee, person_id=mentee.public_id)
    with pytest.raises(NotFound):
        person_block(user=mentee, person_id="nobody")
    assert not Block.objects.exists()


# Reports


def test_a_member_reports_anothers_message_once_and_staff_hide_it(frozen, session, mentee, mentor):
    conversation = opened(mentee, session)
    rude = post(mentor.user, conversation, "Something rude")
    report = message_report(user=mentee, message_id=rude.public_id, reason="  Insulting  ")
    assert report.reason == "Insulting"
    refused("already_reported", message_report, user=mentee, message_id=rude.public_id, reason="x")
    staff = UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        message_report_resolve(staff=mentee, report_id=report.public_id, upheld=True)
    assert Message.objects.get(pk=rude.pk).hidden_at is None
    decided = message_report_resolve(staff=staff, report_id=report.public_id, upheld=True)
    assert (decided.upheld, decided.resolved_by, decided.resolved_at) == (True, staff, frozen.now)
    assert Message.objects.get(pk=rude.pk).hidden_at == frozen.now
    refused(
        "report_resolved",
        message_report_resolve,
        staff=staff,
        report_id=report.public_id,
        upheld=False,
    )


def test_reports_are_refused_for_own_messages_strangers_and_empty_reasons(
    session, mentee, mentor, stranger
):
    conversation = opened(mentee, session)
    mine = post(mentee, conversation, "Mine")
    theirs = post(mentor.user, conversation, "Theirs")
    refused("report_own", message_report, user=mentee, message_id=mine.public_id, reason="x")
    refused("report_reason", message_report, user=mentee, message_id=theirs.public_id, reason=" ")
    refused(
        "report_reason",
        message_report,
        user=mentee,
        message_id=theirs.public_id,
        reason="x" * 1001,
    )
    with pytest.raises(NotFound):
        message_report(user=stranger, message_id=theirs.public_id, reason="Spam")
    assert not MessageReport.objects.exists()


def test_a_dismissal_resolves_every_open_report_of_the_message(frozen, mentor):
    from tests.perspectives.asking import answering_mentor, ask, ask_of

    # A free written question to two mentors: three people in one conversation.
    asker = UserFactory(display_name="Ana Asker")
    first = answering_mentor("Bo Answer", price=0)
    second = answering_mentor("Cy Answer", price=0, topic=first.expertise.first().topic)
    request = ask(asker, first, second)
    assert ask_of(request, first).status == "asked"
    conversation = conversation_open(user=asker, request_id=request.public_id)
    message = post(first.user, conversation, "Off-topic advert")
    for reporter in (asker, second.user):
        message_report(user=reporter, message_id=message.public_id, reason="Advert")
    staff = UserFactory(is_staff=True)
    report = MessageReport.objects.first()
    message_report_resolve(staff=staff, report_id=report.public_id, upheld=False)
    assert set(MessageReport.objects.values_list("upheld", "resolved_by")) == {(False, staff.pk)}
    assert Message.objects.get(pk=message.pk).hidden_at is None


def test_a_resolved_disputes_conversation_is_closed(frozen, session, mentee, mentor):
    from headstrt.disputes.models import Dispute, DisputeStatus

    frozen.set(TUESDAY_9 + timedelta(minutes=35))
    dispute = Dispute.objects.create(
        booking=session,
        opener=mentee,
        opener_party="mentee",
        respondent=mentor.user,
        reason="quality",
        description="Late",
        wanted="refund",
        wanted_mentor_percent=0,
        deadline=frozen.now + timedelta(days=2),
        created_at=frozen.now,
    )
    conversation = conversation_open(user=mentee, dispute_id=dispute.public_id)
    post(mentee, conversation, "Before the end")
    Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.RESOLVED)
    before = talk_state()
    refused("no_conversation", post, user=mentor.user, conversation=conversation, body="Late")
    assert talk_state() == before
