"""Who takes part in each kind of engagement's conversation, and how it reads: panels (one
conversation for the mentee and every mentor), written questions (mentors asked, anonymous
mentees), disputes (parties and the live mediator, the case's messages), and the reads with
their pinned query counts."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headstrt.core.errors import DomainError, NotFound
from headstrt.disputes import selectors as dispute_selectors
from headstrt.disputes import services as dispute_services
from headstrt.messaging import conversation_reads as reads
from headstrt.messaging.conversations import (
    MESSAGE_RECEIVED,
    conversation_mark_read,
    conversation_open,
    message_report,
    message_report_resolve,
    person_block,
)
from headstrt.messaging.models import ConversationMember, Message, Notification
from tests.disputes.cases import live_mediator, open_dispute, respond
from tests.disputes.conftest import pool
from tests.factories import UserFactory
from tests.messaging.talking import (
    PNG,
    committed,
    frozen,
    mentee,
    mentor,
    post,
    session,
    stranger,
    upload,
)
from tests.scheduling.sessions import TUESDAY_9

pytestmark = pytest.mark.django_db


def queries(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured)


def roles(view) -> list[tuple[str, str]]:
    return [(person.name, person.role) for person in view.participants]


# Panels


def test_a_panels_sessions_share_one_conversation_with_every_mentor(frozen, mentee):
    from tests.scheduling.gatherings import panel_book, panelists

    mentors = panelists(3)
    panel = panel_book(mentee, mentors)
    parts = list(panel.bookings.order_by("pk"))
    by_mentee = conversation_open(user=mentee, booking_id=parts[0].public_id)
    by_mentor = conversation_open(user=mentors[2].user, booking_id=parts[2].public_id)
    assert by_mentee.pk == by_mentor.pk and by_mentee.panel_id == panel.pk
    view = reads.conversation_get_for_member(user=mentee, conversation_id=by_mentee.public_id)
    assert view.title == "Panel with 3 mentors, 5 Mar"
    assert view.engagement_url == f"/panels/{panel.public_id}/"
    assert [role for _, role in roles(view)] == ["mentee", "mentor", "mentor", "mentor"]
    # A mentor of the panel reads and writes even through another mentor's session.
    post(mentors[1].user, by_mentee, "Hello all")
    other = reads.conversation_get_for_member(
        user=mentors[0].user, conversation_id=by_mentee.public_id
    )
    assert other.title == "Panel of Mia Mentee with 3 mentors, 5 Mar"
    assert [item.message.body for item in other.messages] == ["Hello all"]


# Written questions


def _question(mentee, *, anonymous=False):
    from tests.perspectives.asking import answering_mentor, ask

    first = answering_mentor("Bo Answer", price=0)
    second = answering_mentor("Cy Answer", price=0, topic=first.expertise.first().topic)
    return ask(mentee, first, second, anonymous=anonymous, title="Salary talk"), first, second


def test_an_anonymous_mentee_stays_anonymous_to_the_mentors(frozen, mentee):
    request, first, second = _question(mentee, anonymous=True)
    conversation = conversation_open(user=first.user, request_id=request.public_id)
    post(mentee, conversation, "Thanks for looking")
    as_mentor = reads.conversation_get_for_member(
        user=first.user, conversation_id=conversation.public_id
    )
    assert as_mentor.title == "Question from Anonymous mentee"
    assert roles(as_mentor)[0] == ("Anonymous mentee", "mentee")
    assert [item.author_name for item in as_mentor.messages] == ["Anonymous mentee"]
    ask_id = request.asks.get(mentor=first).public_id
    assert as_mentor.engagement_url == f"/perspectives/asks/{ask_id}/"
    polled = reads.messages_after(user=second.user, conversation_id=conversation.public_id, after=0)
    assert [item.author_name for item in polled] == ["Anonymous mentee"]
    note = Notification.objects.get(recipient=first.user, kind=MESSAGE_RECEIVED)
    assert "Mia" not in note.title and note.title.startswith("Anonymous mentee wrote")
    as_mentee = reads.conversation_get_for_member(
        user=mentee, conversation_id=conversation.public_id
    )
    assert as_mentee.title == "Your question: Salary talk"
    assert roles(as_mentee)[0] == ("Mia Mentee", "mentee")


def test_nobody_may_block_an_anonymous_asker_or_themselves(frozen, mentee):
    request, first, second = _question(mentee, anonymous=True)
    conversation = conversation_open(user=first.user, request_id=request.public_id)

    as_mentor = reads.conversation_get_for_member(
        user=first.user, conversation_id=conversation.public_id
    )
    as_mentee = reads.conversation_get_for_member(
        user=mentee, conversation_id=conversation.public_id
    )

    assert [(p.name, p.can_block) for p in as_mentor.participants] == [
        ("Anonymous mentee", False),
        ("Bo Answer", False),
        ("Cy Answer", True),
    ]
    assert [(p.name, p.can_block) for p in as_mentee.participants] == [
        ("Mia Mentee", False),
        ("Bo Answer", True),
        ("Cy Answer", True),
    ]


def test_a_mentor_who_declines_leaves_the_conversation(frozen, mentee):
    from headstrt.perspectives.services import perspective_decline

    request, first, second = _question(mentee)
    conversation = conversation_open(user=mentee, request_id=request.public_id)
    perspective_decline(mentor=first.user, ask_id=request.asks.get(mentor=first).public_id)
    post(mentee, conversation, "Second thoughts?")
    assert (
        ConversationMember.objects.get(conversation=conversation, person=first.user).active is False
    )
    for call in (
        lambda: reads.conversation_get_for_member(
            user=first.user, conversation_id=conversation.public_id
        ),
        lambda: reads.messages_after(
            user=first.user, conversation_id=conversation.public_id, after=0
        ),
        lambda: post(first.user, conversation, "Let me back"),
        lambda: conversation_open(user=first.user, request_id=request.public_id),
    ):
        with pytest.raises(NotFound):
            call()
    assert not Notification.objects.filter(recipient=first.user, kind=MESSAGE_RECEIVED).exists()
    assert Notification.objects.filter(recipient=second.user, kind=MESSAGE_RECEIVED).exists()


def test_a_question_no_mentor_has_yet_has_no_conversation(frozen, mentee, stranger):
    from tests.perspectives.asking import answering_mentor, ask

    request = ask(mentee, answering_mentor("Pay First", price=2000))  # waits for payment
    with pytest.raises(DomainError) as caught:
        conversation_open(user=mentee, request_id=request.public_id)
    assert caught.value.code == "no_conversation"
    with pytest.raises(NotFound):
        conversation_open(user=stranger, request_id=request.public_id)


# Disputes


@pytest.fixture
def dispute(frozen, pool, session, mentee):
    from headstrt.scheduling import services

    frozen.set(TUESDAY_9 + timedelta(minutes=35))
    services.booking_complete(user=mentee, booking_id=session.public_id)
    return respond(open_dispute(session, mentee))


def test_case_messages_go_to_the_disputes_conversation_and_tell_the_others(dispute, mentee, mentor):
    mediator = live_mediator(dispute)
    sent = dispute_services.dispute_message_send(
        user=mediator, dispute_id=dispute.public_id, body="Please both add your notes."
    )
    assert isinstance(sent, Message) and sent.conversation.dispute_id == dispute.pk
    case = dispute_selectors.dispute_case(dispute)
    assert [message.body for message in case.messages] == ["Please both add your notes."]
    told = Notification.objects.filter(kind=MESSAGE_RECEIVED).values_list("recipient", flat=True)
    assert sorted(told) == sorted([mentee.pk, mentor.user.pk])
    view = reads.conversation_get_for_member(
        user=mentor.user, conversation_id=sent.conversation.public_id
    )
    assert view.title == "Dispute about the session of 5 Mar"
    assert roles(view) == [
        ("Mia Mentee", "party"),
        ("Nia Negotiator", "party"),
        (mediator.display_name, "mediator"),
    ]
    assert view.engagement_url == f"/disputes/{dispute.public_id}/"


def test_staff_removal_hides_a_case_message_from_the_case_record(dispute, mentee, mentor):
    sent = dispute_services.dispute_message_send(
        user=mentor.user, dispute_id=dispute.public_id, body="Something abusive"
    )
    report = message_report(user=mentee, message_id=sent.public_id, reason="Abusive")
    message_report_resolve(
        staff=UserFactory(is_staff=True), report_id=report.public_id, upheld=True
    )
    assert dispute_selectors.dispute_case(dispute).messages == []
    view = reads.conversation_get_for_member(
        user=mentee, conversation_id=sent.conversation.public_id
    )
    assert [(item.removed, item.message.pk) for item in view.messages] == [(True, sent.pk)]


def test_blocks_neither_hide_nor_silence_anything_in_a_dispute(dispute, mentee, mentor):
    person_block(user=mentee, person_id=mentor.user.public_id)
    conversation = conversation_open(user=mentee, dispute_id=dispute.public_id)
    person_block(user=mentor.user, person_id=mentee.public_id)

    post(mentor.user, conversation, "My notes from the session")

    view = reads.conversation_get_for_member(user=mentee, conversation_id=conversation.public_id)
    assert [item.message.body for item in view.messages] == ["My notes from the session"]
    assert view.can_post
    assert Notification.objects.filter(recipient=mentee, kind=MESSAGE_RECEIVED).exists()
    # Where blocks apply, the same two people cannot reach each other.
    talk = conversation_open(user=mentee, booking_id=dispute.booking.public_id)
    with pytest.raises(DomainError) as refused:
        post(mentor.user, talk, "Hello?")
    assert refused.value.code == "blocked"


def test_someone_not_on_the_case_cannot_open_its_conversation(dispute, stranger):
    with pytest.raises(NotFound):
        conversation_open(user=stranger, dispute_id=dispute.public_id)
    staff = UserFactory(is_staff=True)
    with pytest.raises(NotFound):
        conversation_open(user=staff, dispute_id=dispute.public_id)


# Reads


def test_the_view_pages_back_and_leaves_out_people_the_reader_blocked(
    frozen, session, mentee, mentor
):
    conversation = conversation_open(user=mentee, booking_id=session.public_id)
    sent = [post(mentor.user if n % 2 else mentee, conversation, f"M{n}") for n in range(5)]
    view = reads.conversation_get_for_member(
        user=mentee, conversation_id=conversation.public_id, limit=2
    )
    assert [item.message.body for item in view.messages] == ["M3", "M4"]
    assert view.has_earlier and [item.mine for item in view.messages] == [False, True]
    earlier = reads.conversation_get_for_member(
        user=mentee, conversation_id=conversation.public_id, before=sent[3].pk, limit=10
    )
    assert [item.message.body for item in earlier.messages] == ["M0", "M1", "M2"]
    assert not earlier.has_earlier
    person_block(user=mentee, person_id=mentor.user.public_id)
    blocked = reads.conversation_get_for_member(user=mentee, conversation_id=conversation.public_id)
    assert [item.message.body for item in blocked.messages] == ["M0", "M2", "M4"]
    assert reads.unread_message_count(user=mentee) == 0
    as_mentor = reads.conversation_get_for_member(
        user=mentor.user, conversation_id=conversation.public_id
    )
    assert not as_mentor.can_post
    assert as_mentor.cannot_post_reason == "Everyone else here has blocked messages from you."


def test_reads_keep_their_query_counts_as_conversations_and_messages_grow(frozen, mentee):
    from tests.perspectives.asking import answering_mentor, ask
    from tests.scheduling.sessions import book, paris_mentor

    def one_of_each(n: int) -> list:
        mentor = paris_mentor(name=f"Mentor {n}", email=f"m{n}@example.org")
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7 * n))
        session_talk = conversation_open(user=mentee, booking_id=booking.public_id)
        question = ask(mentee, answering_mentor(f"Writer {n}", price=0))
        question_talk = conversation_open(user=mentee, request_id=question.public_id)
        for talk, other in ((session_talk, mentor.user), (question_talk, None)):
            post(mentee, talk, "Hello")
            if other is not None:
                post(other, talk, "Hi back", files=[upload("a.png", PNG)])
        return [session_talk, question_talk]

    first = one_of_each(0)[0].public_id
    calls = (
        lambda: reads.conversations_for_person(user=mentee),
        lambda: reads.unread_message_count(user=mentee),
        lambda: reads.conversation_get_for_member(user=mentee, conversation_id=first),
        lambda: reads.messages_after(user=mentee, conversation_id=first, after=0),
    )
    few = tuple(queries(call)[1] for call in calls)
    one_of_each(1)
    # The list: the member rows, their conversations, and the questions' asks. The view:
    # the conversation, its messages, their files, the reader's read state, blocks.
    assert few == tuple(queries(call)[1] for call in calls) == (3, 1, 5, 3)
    summaries = reads.conversations_for_person(user=mentee)
    assert [summary.preview for summary in summaries] == ["Hello", "Hi back", "Hello", "Hi back"]
    assert [summary.unread for summary in summaries] == [0, 1, 0, 1]
    assert reads.unread_message_count(user=mentee) == 2
    conversation_mark_read(user=mentee, conversation_id=first)
    assert reads.unread_message_count(user=mentee) == 1


def test_a_conversation_deleted_while_the_list_is_read_is_left_out(frozen, mentee, monkeypatch):
    from tests.scheduling.sessions import book, paris_mentor

    talks = []
    for n in range(2):
        mentor = paris_mentor(name=f"Mentor {n}", email=f"m{n}@example.org")
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7 * n))
        talks.append(conversation_open(user=mentee, booking_id=booking.public_id))
        post(mentee, talks[-1], f"Hello {n}")
    read_engagements = reads.engagements.conversations_with_engagements

    def deleted_between_the_two_queries():
        talks[0].delete()
        return read_engagements()

    monkeypatch.setattr(
        reads.engagements, "conversations_with_engagements", deleted_between_the_two_queries
    )

    summaries = reads.conversations_for_person(user=mentee)

    assert [summary.conversation.pk for summary in summaries] == [talks[1].pk]


def test_a_removed_messages_files_cannot_be_downloaded(frozen, session, mentee, mentor):
    conversation = conversation_open(user=mentee, booking_id=session.public_id)
    sent = post(mentor.user, conversation, "", files=[upload("a.png", PNG)])
    attachment = sent.attachments.get()
    assert (
        reads.attachment_get_for_member(user=mentee, attachment_id=attachment.public_id)
        == attachment
    )
    report = message_report(user=mentee, message_id=sent.public_id, reason="Not for me")
    message_report_resolve(
        staff=UserFactory(is_staff=True), report_id=report.public_id, upheld=True
    )
    with pytest.raises(NotFound):
        reads.attachment_get_for_member(user=mentee, attachment_id=attachment.public_id)


# Leaving an engagement


def _left_reads(person, conversation, attachment) -> list:
    """What ``person`` can still reach of a conversation: every read that must follow the
    engagement, run without anyone opening, reading or writing there first."""
    reached = []
    try:
        reads.messages_after(user=person, conversation_id=conversation.public_id, after=0)
        reached.append("messages_after")
    except NotFound:
        pass
    try:
        reads.attachment_get_for_member(user=person, attachment_id=attachment.public_id)
        reached.append("attachment")
    except NotFound:
        pass
    if any(
        s.conversation.pk == conversation.pk for s in reads.conversations_for_person(user=person)
    ):
        reached.append("list")
    if reads.unread_message_count(user=person):
        reached.append("unread")
    return reached


@pytest.mark.parametrize("leaving", ["decline", "expire"])
def test_a_mentor_who_leaves_a_question_loses_every_read_at_once(frozen, mentee, leaving):
    from headstrt.perspectives import services as perspectives

    request, first, second = _question(mentee)
    conversation = conversation_open(user=mentee, request_id=request.public_id)
    conversation_open(user=first.user, request_id=request.public_id)
    sent = post(mentee, conversation, "The plan", files=[upload("plan.png", PNG)])
    attachment = sent.attachments.get()
    assert _left_reads(first.user, conversation, attachment) == [
        "messages_after",
        "attachment",
        "list",
        "unread",
    ]
    ask = request.asks.get(mentor=first)
    if leaving == "decline":
        perspectives.perspective_decline(mentor=first.user, ask_id=ask.public_id)
    else:
        perspectives.perspective_answer(
            mentor=second.user,
            ask_id=request.asks.get(mentor=second).public_id,
            answer="Ask for ten percent more, and name the offer you have: it anchors the talk. "
            * 2,
        )
        frozen.set(ask.due_at + timedelta(minutes=1))
        assert perspectives.perspectives_expire_due() == 1  # the housekeeping sweep

    assert _left_reads(first.user, conversation, attachment) == []
    # The mentor still asked keeps everything, and nobody's member row had to change.
    assert _left_reads(second.user, conversation, attachment) == [
        "messages_after",
        "attachment",
        "list",
        "unread",
    ]
    assert ConversationMember.objects.get(conversation=conversation, person=first.user).active


def test_a_replaced_mediator_loses_every_read_at_once(frozen, pool, session, mentee):
    from headstrt.scheduling import services as scheduling

    frozen.set(TUESDAY_9 + timedelta(minutes=35))
    scheduling.booking_complete(user=mentee, booking_id=session.public_id)
    dispute = respond(open_dispute(session, mentee))
    first = live_mediator(dispute)
    conversation = conversation_open(user=first, dispute_id=dispute.public_id)
    sent = post(mentee, conversation, "My notes", files=[upload("notes.png", PNG)])
    attachment = sent.attachments.get()
    assert len(_left_reads(first, conversation, attachment)) == 4

    frozen.move(hours=72)
    assert dispute_services.disputes_advance() == 1  # the mediator missed the deadline

    assert _left_reads(first, conversation, attachment) == []
    second = live_mediator(dispute)
    assert second != first
    assert _left_reads(second, conversation, attachment) == ["messages_after", "attachment"]


def test_who_may_read_in_sql_matches_the_engagements_people(
    frozen, pool, session, mentee, stranger
):
    """``taking_part`` (the reads' filter) and ``participants`` (what opening and posting
    check) give the same people for every kind of engagement and state."""
    from headstrt.messaging.engagements import participants, taking_part
    from headstrt.messaging.models import Conversation
    from headstrt.perspectives.services import perspective_decline
    from headstrt.scheduling import services as scheduling
    from tests.scheduling.gatherings import panel_book, panelists
    from tests.scheduling.sessions import hold

    request, first, second = _question(mentee)
    conversation_open(user=mentee, request_id=request.public_id)
    perspective_decline(mentor=first.user, ask_id=request.asks.get(mentor=first).public_id)
    conversation_open(user=mentee, booking_id=session.public_id)
    mentors = panelists(2)
    panel = panel_book(mentee, mentors, start=TUESDAY_9 + timedelta(days=7))
    conversation_open(user=mentee, booking_id=panel.bookings.first().public_id)
    held = hold(pool.other_mentor, stranger, start=TUESDAY_9 + timedelta(days=14))
    Conversation.objects.create(booking=held, created_at=frozen.now)  # nobody may talk yet
    frozen.set(TUESDAY_9 + timedelta(minutes=35))
    scheduling.booking_complete(user=mentee, booking_id=session.public_id)
    dispute = respond(open_dispute(session, mentee))
    conversation_open(user=mentee, dispute_id=dispute.public_id)

    people = {mentee, stranger, first.user, second.user, live_mediator(dispute)}
    people |= {profile.user for profile in (*mentors, pool.other_mentor)}
    people |= {neutral.user for neutral in pool.neutral}
    conversations = list(reads.engagements.conversations_with_engagements())
    assert len(conversations) == 5
    for person in people:
        in_sql = set(Conversation.objects.filter(taking_part(person)).values_list("pk", flat=True))
        in_python = {
            conversation.pk
            for conversation in conversations
            if any(p.user.pk == person.pk for p in participants(conversation, person))
        }
        assert in_sql == in_python, person.display_name


# Blocks and anonymous askers


def test_blocks_between_an_anonymous_asker_and_the_mentors_do_not_count_there(frozen, mentee):
    request, first, second = _question(mentee, anonymous=True)
    conversation = conversation_open(user=mentee, request_id=request.public_id)
    conversation_open(user=first.user, request_id=request.public_id)
    # Blocks made elsewhere, between people who know each other by name there.
    person_block(user=mentee, person_id=first.user.public_id)
    person_block(user=first.user, person_id=mentee.public_id)
    person_block(user=second.user, person_id=first.user.public_id)

    asked = post(mentee, conversation, "Anyone?", files=[upload("a.png", PNG)])
    answered = post(first.user, conversation, "Here")

    as_first = reads.conversation_get_for_member(
        user=first.user, conversation_id=conversation.public_id
    )
    assert as_first.can_post and as_first.cannot_post_reason == ""
    assert [item.message.body for item in as_first.messages] == ["Anyone?", "Here"]
    polled = reads.messages_after(user=first.user, conversation_id=conversation.public_id, after=0)
    assert [item.author_name for item in polled] == ["Anonymous mentee", "Bo Answer"]
    assert reads.attachment_get_for_member(
        user=first.user, attachment_id=asked.attachments.get().public_id
    )
    assert [s.preview for s in reads.conversations_for_person(user=first.user)] == ["Here"]
    as_mentee = reads.conversation_get_for_member(
        user=mentee, conversation_id=conversation.public_id
    )
    assert [item.message.pk for item in as_mentee.messages] == [asked.pk, answered.pk]
    assert reads.unread_message_count(user=mentee) == 1
    told = Notification.objects.filter(kind=MESSAGE_RECEIVED).values_list("recipient", flat=True)
    assert sorted(told) == sorted([first.user.pk, second.user.pk, mentee.pk])
    # A block between two mentors still counts: the second mentor does not see the first.
    as_second = reads.conversation_get_for_member(
        user=second.user, conversation_id=conversation.public_id
    )
    assert [item.message.body for item in as_second.messages] == ["Anyone?"]
    assert reads.unread_message_count(user=second.user) == 1


def test_the_same_blocks_count_where_the_asker_is_named(frozen, mentee):
    request, first, second = _question(mentee)
    conversation = conversation_open(user=mentee, request_id=request.public_id)
    person_block(user=first.user, person_id=mentee.public_id)
    post(mentee, conversation, "Anyone?")
    as_first = reads.conversation_get_for_member(
        user=first.user, conversation_id=conversation.public_id
    )
    assert as_first.messages == []
    assert reads.unread_message_count(user=first.user) == 0


# Notifications of one's own conversation


def test_replying_reads_what_told_the_author_of_the_conversation(frozen, session, mentee, mentor):
    conversation = conversation_open(user=mentee, booking_id=session.public_id)
    post(mentor.user, conversation, "Ready for Tuesday?")
    note = Notification.objects.get(recipient=mentee, kind=MESSAGE_RECEIVED)
    other = conversation_open(user=mentor.user, booking_id=session.public_id)
    assert other.pk == conversation.pk and note.read_at is None

    post(mentee, conversation, "Yes")

    note.refresh_from_db()
    assert note.read_at == frozen.now
    assert reads.unread_message_count(user=mentee) == 0


# Case messages however they are sent


def test_every_case_message_is_audited_and_shows_its_files_on_the_case(dispute, mentee, mentor):
    from headstrt.disputes.models import AuditEntry

    conversation = conversation_open(user=mentee, dispute_id=dispute.public_id)
    by_file = post(mentee, conversation, "", files=[upload("proof.png", PNG)])
    by_page = post(mentor.user, conversation, "From the conversation page")
    by_case = dispute_services.dispute_message_send(
        user=mentee, dispute_id=dispute.public_id, body="From the case page"
    )

    audited = AuditEntry.objects.filter(dispute=dispute, action="message_sent").order_by("pk")
    assert [(entry.actor_id, entry.detail) for entry in audited] == [
        (mentee.pk, {"message": by_file.public_id}),
        (mentor.user.pk, {"message": by_page.public_id}),
        (mentee.pk, {"message": by_case.public_id}),
    ]
    case = dispute_selectors.dispute_case(dispute)
    assert [(m.body, [a.name for a in m.attachments.all()]) for m in case.messages] == [
        ("", ["proof.png"]),
        ("From the conversation page", []),
        ("From the case page", []),
    ]
