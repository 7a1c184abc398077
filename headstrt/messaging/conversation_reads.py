"""Reads of conversations for the person asking: one conversation with its latest messages,
the messages after one (what live updates poll), a person's conversations with unread
counts, attachments, blocks, and the staff's queue of reported messages. Each reads a fixed
number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from headstrt.accounts.models import User
from headstrt.core.errors import NotFound
from headstrt.messaging import engagements
from headstrt.messaging.engagements import Participant
from headstrt.messaging.models import (
    Attachment,
    Block,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
)

__all__ = [
    "ConversationSummary",
    "ConversationView",
    "MessageView",
    "Participant",
    "attachment_get_for_member",
    "blocks_for_person",
    "conversation_get_for_member",
    "conversations_for_person",
    "message_reports_open",
    "messages_after",
    "unread_message_count",
]

_PREVIEW = 140


@dataclass(frozen=True)
class MessageView:
    """A message as one reader sees it. ``removed``: staff hid it, so its body and files
    must not be shown."""

    message: Message
    author_name: str
    mine: bool
    removed: bool


@dataclass(frozen=True)
class ConversationView:
    """One conversation for a member: its name, the engagement's page, who is in it, whether
    the reader may write (and why not), a page of messages (oldest first), whether earlier
    ones exist, and how far the reader had read before opening it."""

    conversation: Conversation
    title: str
    engagement_url: str
    participants: list[Participant]
    can_post: bool
    cannot_post_reason: str
    messages: list[MessageView]
    has_earlier: bool
    last_read_message_id: int


@dataclass(frozen=True)
class ConversationSummary:
    """A line of the person's list of conversations."""

    conversation: Conversation
    title: str
    engagement_url: str
    last_message_at: datetime | None
    unread: int
    preview: str


def _not_found() -> NotFound:
    return NotFound("No such conversation.")


def _visible_messages(conversation: Conversation, user: User) -> QuerySet[Message]:
    """The conversation's messages but those of people ``user`` blocked (where blocks apply),
    with their authors and attachments (one more query)."""
    messages = Message.objects.filter(conversation_id=conversation.pk).exclude(
        engagements.hidden_by_block(user)
    )
    return messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )


def _views(messages: list[Message], conversation: Conversation, user: User) -> list[MessageView]:
    for message in messages:
        message.conversation = conversation  # at hand for readers, without a query each
    return [
        MessageView(
            message=message,
            author_name=engagements.author_name(conversation, message.author, user),
            mine=message.author_id == user.pk,
            removed=message.hidden_at is not None,
        )
        for message in messages
    ]


def _limit(value: object, *, default: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return default
    return min(value, most)


def conversation_get_for_member(
    *, user: User, conversation_id: object, before: int | None = None, limit: int = 50
) -> ConversationView:
    """A conversation for someone taking part in its engagement now, with its latest
    ``limit`` messages (or those before message ``before``), oldest first; ``NotFound`` for
    anyone else. Messages of people the reader blocked are left out. Seven queries at most."""
    if not isinstance(conversation_id, str):
        raise _not_found()
    conversation = (
        engagements.conversations_with_engagements().filter(public_id=conversation_id).first()
    )
    if conversation is None:
        raise _not_found()
    return conversation_view(conversation=conversation, user=user, before=before, limit=limit)


def conversation_view(
    *, conversation: Conversation, user: User, before: int | None = None, limit: int = 50
) -> ConversationView:
    """``conversation_get_for_member`` for a conversation already read with its engagement
    (``engagements.conversations_with_engagements``), e.g. one just opened, so it is not
    read again; ``NotFound`` for anyone not taking part."""
    people = engagements.participants(conversation, user)
    if not any(participant.user.pk == user.pk for participant in people):
        raise _not_found()
    limit = _limit(limit, default=50, most=200)
    messages = _visible_messages(conversation, user).order_by("-pk")
    if isinstance(before, int) and not isinstance(before, bool):
        messages = messages.filter(pk__lt=before)
    page = list(messages[: limit + 1])
    member = ConversationMember.objects.filter(conversation=conversation, person=user).first()
    others = [participant.user.pk for participant in people if participant.user.pk != user.pk]
    blockers = {
        blocker
        for blocker in Block.objects.filter(blocked=user, blocker_id__in=others).values_list(
            "blocker_id", flat=True
        )
        if engagements.blocks_apply(conversation, blocker, user.pk)
    }
    reason = ""
    refusal = engagements.posting_refusal(conversation)
    if refusal is not None:
        reason = refusal.message
    elif others and blockers >= set(others):
        reason = "Everyone else here has blocked messages from you."
    return ConversationView(
        conversation=conversation,
        title=engagements.title(conversation, user),
        engagement_url=engagements.engagement_url(conversation, user),
        participants=people,
        can_post=not reason,
        cannot_post_reason=reason,
        messages=_views(page[:limit][::-1], conversation, user),
        has_earlier=len(page) > limit,
        last_read_message_id=member.last_read_message_id if member is not None else 0,
    )


def messages_after(
    *, user: User, conversation_id: object, after: int, limit: int = 100
) -> list[MessageView]:
    """The messages after message ``after``, oldest first, for someone taking part in the
    conversation's engagement now (what live updates and polling read): three queries, the
    check included. ``NotFound`` for anyone else."""
    if not isinstance(conversation_id, str):
        raise _not_found()
    conversation = (
        Conversation.objects.select_related("request")
        .filter(engagements.taking_part(user), public_id=conversation_id)
        .first()
    )
    if conversation is None:
        raise _not_found()
    after = after if isinstance(after, int) and not isinstance(after, bool) else 0
    limit = _limit(limit, default=100, most=500)
    messages = list(
        _visible_messages(conversation, user).filter(pk__gt=after).order_by("pk")[:limit]
    )
    return _views(messages, conversation, user)


def _unread_count(user: User) -> Coalesce:
    """For a member row of ``user``: how many messages of its conversation they have not
    read, the one definition of unread: after their read pointer, not their own, not
    hidden by staff, not by people they blocked (where blocks apply).

    A subquery, not a join and GROUP BY over every column the engagements bring: planning
    that took PostgreSQL ten times longer than running it."""
    unread = (
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"),
            id__gt=OuterRef("last_read_message_id"),
            hidden_at__isnull=True,
        )
        .exclude(author=user)
        .exclude(engagements.hidden_by_block(user))
        .values("conversation_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread), 0)


def _memberships(user: User) -> QuerySet[ConversationMember]:
    """The person's member rows of conversations whose engagement they still take part in
    (a row stays behind, inactive or not yet updated, when they leave it)."""
    return ConversationMember.objects.filter(
        engagements.taking_part(user, "conversation__"), person=user, active=True
    )


def conversations_for_person(*, user: User, limit: int = 100) -> list["ConversationSummary"]:
    """The person's conversations, the latest message first (new ones without messages
    last), each with its unread count and the start of its latest message. Five queries
    at most: the member rows, their conversations, and one for each kind of engagement
    among them but sessions."""
    limit = _limit(limit, default=100, most=500)
    latest = (
        Message.objects.filter(conversation_id=OuterRef("conversation_id"), hidden_at__isnull=True)
        .exclude(engagements.hidden_by_block(user))
        .order_by("-pk")
    )
    rows = list(
        _memberships(user)
        .annotate(
            unread=_unread_count(user),
            latest_body=Subquery(latest.values("body")[:1]),
            latest_files=Subquery(latest.annotate(files=Count("attachments")).values("files")[:1]),
        )
        .order_by(
            F("conversation__last_message_at").desc(nulls_last=True),
            "-conversation__created_at",
            "-conversation_id",
        )[:limit]
    )
    # The engagements are read apart, for the rows shown: one query joining a dozen tables
    # around the subqueries above took PostgreSQL longer to plan, and Django to write, than
    # the two together.
    conversations = engagements.conversations_with_engagements().in_bulk(
        [row.conversation_id for row in rows]
    )
    summaries = []
    for row in rows:
        conversation = conversations.get(row.conversation_id)
        if conversation is None:  # deleted since the member rows were read
            continue
        summaries.append(
            ConversationSummary(
                conversation=conversation,
                title=engagements.title(conversation, user),
                engagement_url=engagements.engagement_url(conversation, user),
                last_message_at=conversation.last_message_at,
                unread=row.unread,
                preview=_preview(row.latest_body, row.latest_files),
            )
        )
    return summaries


def _preview(body: str | None, files: int | None) -> str:
    if body is None:
        return ""
    text = " ".join(body.split())
    if len(text) > _PREVIEW:
        return text[: _PREVIEW - 1].rstrip() + "…"
    if text:
        return text
    return "A file." if files == 1 else f"{files} files."


def unread_message_count(*, user: User) -> int:
    """How many messages wait unread in the person's conversations: the sum of the counts
    ``conversations_for_person`` shows (one query)."""
    total = _memberships(user).annotate(unread=_unread_count(user)).aggregate(Sum("unread"))
    return total["unread__sum"] or 0


def attachment_get_for_member(*, user: User, attachment_id: object) -> Attachment:
    """A file of a message for someone taking part in its conversation's engagement now,
    unless staff removed the message or the reader blocked its author (where blocks apply);
    ``NotFound`` otherwise. One query."""
    attachment = (
        Attachment.objects.select_related("message")
        .filter(
            engagements.taking_part(user, "message__conversation__"),
            public_id=attachment_id,
            message__hidden_at__isnull=True,
        )
        .exclude(
            engagements.hidden_by_block(
                user, message="message__", conversation="message__conversation__"
            )
        )
        .first()
        if isinstance(attachment_id, str)
        else None
    )
    if attachment is None:
        raise NotFound("No such file.")
    return attachment


def blocks_for_person(*, user: User) -> list[Block]:
    """The people ``user`` blocked, the latest first."""
    return list(
        Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at", "-pk")
    )


def message_reports_open() -> QuerySet[MessageReport]:
    """Reports staff have not decided, the oldest first, with the message, its author and
    the reporter (for staff only: the caller checks)."""
    return (
        MessageReport.objects.filter(resolved_at__isnull=True)
        .select_related("message__author", "message__conversation", "reporter")
        .order_by("created_at", "pk")
    )
