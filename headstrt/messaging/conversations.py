"""Changes to conversations: opening one around an engagement, posting messages with
attachments, read state, blocking people and reporting messages.

Who may read and write is decided from the engagement each time (see ``engagements``); the
member rows follow it whenever a conversation is opened, read or written to.
"""

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.ids import new_public_id
from headstrt.messaging import engagements
from headstrt.messaging.attachments import MAX_ATTACHMENTS, CheckedFile, attachment_check
from headstrt.messaging.engagements import Participant
from headstrt.messaging.models import (
    MAX_MESSAGE,
    MAX_REPORT_REASON,
    Attachment,
    Block,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
    Notification,
)
from headstrt.messaging.services import notification_send

MESSAGE_RECEIVED = "message.received"
_PREVIEW = 300  # characters of a message quoted in its notification


def conversation_url(conversation: Conversation) -> str:
    """The conversation's page on the web app (where its notifications point)."""
    return reverse("web:conversation_detail", args=[conversation.public_id])


def _conversation_for_update(conversation_id: object) -> Conversation:
    if not isinstance(conversation_id, str):
        raise NotFound("No such conversation.")
    found = (
        Conversation.objects.select_for_update(of=("self",))
        .filter(public_id=conversation_id)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise NotFound("No such conversation.")
    return engagements.conversations_with_engagements().get(pk=found)


def _sync_members(
    conversation: Conversation, people: list[Participant], *, now: datetime
) -> dict[int, ConversationMember]:
    """Make the member rows match the engagement's people: new people join, those who left
    the engagement turn inactive, those back turn active again. The active rows by person."""
    wanted = {participant.user.pk for participant in people}
    rows = {
        row.person_id: row
        for row in ConversationMember.objects.filter(conversation=conversation).select_related(
            "person"
        )
    }
    joining = wanted - rows.keys()
    changed = [row for person, row in rows.items() if row.active != (person in wanted)]
    if not joining and not changed:
        # The usual case, everyone already in: the rows just read are the answer.
        return {person: row for person, row in rows.items() if row.active}
    ConversationMember.objects.bulk_create(
        [
            ConversationMember(conversation=conversation, person_id=person, joined_at=now)
            for person in joining
        ],
        ignore_conflicts=True,
    )
    for row in changed:
        row.active = not row.active
    ConversationMember.objects.bulk_update(changed, ["active"])
    return {
        row.person_id: row
        for row in ConversationMember.objects.filter(
            conversation=conversation, active=True
        ).select_related("person")
    }


def _joined(conversation: Conversation, user: User, *, now: datetime) -> dict:
    """Sync the members and check that ``user`` is among them; the active rows by person."""
    people = engagements.participants(conversation, user)
    if not any(participant.user.pk == user.pk for participant in people):
        raise engagements.not_taking_part(conversation, people)
    return _sync_members(conversation, people, now=now)


@transaction.atomic
def conversation_open(
    *,
    user: User,
    booking_id: object = None,
    request_id: object = None,
    dispute_id: object = None,
) -> Conversation:
    """The conversation around one engagement, named by exactly one public id, created the
    first time someone in it opens it. ``NotFound`` for anyone not in the engagement;
    ``no_conversation`` (409) while there is nobody to talk to yet (a session only held in
    checkout, a question no mentor has). It comes read with its engagement, ready for
    ``conversation_reads.conversation_view``."""
    link = engagements.engagement_of(
        user=user, booking_id=booking_id, request_id=request_id, dispute_id=dispute_id
    )
    now = clock.now()
    # Creating in a savepoint, get_or_create reads the row a concurrent opener made first.
    conversation, created = Conversation.objects.get_or_create(**link, defaults={"created_at": now})
    if created:
        # Nobody sees the new row before this transaction commits: no lock to wait for.
        conversation = engagements.conversations_with_engagements().get(pk=conversation.pk)
    else:
        conversation = _conversation_for_update(conversation.public_id)
    _joined(conversation, user, now=now)
    return conversation


def _body(body: object) -> str:
    if body is None:
        return ""
    if not isinstance(body, str) or "\x00" in body:
        raise DomainError("message_invalid", "The message must be text.", field="body", status=422)
    text = body.strip()
    if len(text) > MAX_MESSAGE:
        raise DomainError(
            "message_too_long",
            f"A message can be at most {MAX_MESSAGE:,} characters; this one is {len(text):,}.",
            field="body",
            status=422,
        )
    return text


def _checked_files(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    if len(files) > MAX_ATTACHMENTS:
        raise DomainError(
            "too_many_attachments",
            f"A message can carry at most {MAX_ATTACHMENTS} files; this one has {len(files)}.",
            field="files",
            status=422,
        )
    return [attachment_check(upload) for upload in files]


def _refuse_if_too_fast(user: User, *, now: datetime) -> None:
    # Counted in the database (on the author/time index), so the limit holds across the
    # web app, the API and every server process alike.
    limit = settings.HEADSTRT_MESSAGES_PER_MINUTE
    recent = Message.objects.filter(author=user, created_at__gt=now - timedelta(minutes=1))
    if recent.count() >= limit:
        raise DomainError(
            "rate_limited",
            f"You sent {limit} messages in the last minute. Wait a moment and try again.",
            status=429,
        )


def _blockers(conversation: Conversation, author: User, people: set[int]) -> set[int]:
    """Those of ``people`` whose block of ``author`` applies in this conversation."""
    return {
        blocker
        for blocker in Block.objects.filter(blocked=author, blocker_id__in=people).values_list(
            "blocker_id", flat=True
        )
        if engagements.blocks_apply(conversation, blocker, author.pk)
    }


def _refuse_if_blocked_by_everyone(
    conversation: Conversation, user: User, others: set[int], blockers: set[int]
) -> None:
    if others and blockers >= others:
        names = engagements.participants(conversation, user)
        blocker_names = [p.name for p in names if p.user.pk in blockers]
        who = blocker_names[0] if len(blocker_names) == 1 else "Everyone here"
        verb = "has" if len(blocker_names) == 1 else "have"
        raise DomainError(
            "blocked", f"{who} {verb} blocked messages from you.", field="body", status=403
        )


def _save_attachments(
    message: Message, files: list[CheckedFile], *, stored: list[Attachment]
) -> None:
    """Store the files under random names (the person's file name is only ever shown, never
    used) and record them; each stored file is added to ``stored`` as soon as it is on disk,
    so the caller can delete it if the post fails."""
    attachments = []
    for checked in files:
        attachment = Attachment(
            message=message,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        attachment.file.save(
            f"{new_public_id()}{checked.extension}", ContentFile(checked.content), save=False
        )
        stored.append(attachment)
        attachments.append(attachment)
    Attachment.objects.bulk_create(attachments)


def message_post(
    *, user: User, conversation_id: object, body: object, files: Sequence[UploadedFile] = ()
) -> Message:
    """``user`` writes in a conversation of theirs: plain text (shown escaped) and up to three
    checked files. The other members are told in the app, and by email once per burst of
    unread messages; people who blocked the author are not told.

    Refusals: ``message_empty``, ``message_too_long``, ``too_many_attachments`` (422),
    ``attachment_too_large`` (413), ``attachment_type`` (422), ``blocked`` (403: everyone
    else here blocked the author), ``no_conversation`` (409: a resolved dispute),
    ``rate_limited`` (429); ``NotFound`` for anyone not in the conversation.

    Nothing is kept of a post that fails, its files included, up to and including the
    commit. Django has no hook for a rollback, so a caller that posts files inside a
    transaction of its own must not roll it back afterwards (the web app and the API post
    outside any transaction; dispute messages carry no files)."""
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            return _message_post(
                user=user, conversation_id=conversation_id, body=body, files=files, stored=stored
            )
    except BaseException:
        for attachment in stored:
            with contextlib.suppress(OSError):  # the post's own error is the one to report
                attachment.file.storage.delete(attachment.file.name)
        raise


def _message_post(
    *,
    user: User,
    conversation_id: object,
    body: object,
    files: Sequence[UploadedFile],
    stored: list[Attachment],
) -> Message:
    text = _body(body)
    checked = _checked_files(list(files))
    if not text and not checked:
        raise DomainError(
            "message_empty", "Write a message or attach a file.", field="body", status=422
        )
    conversation = _conversation_for_update(conversation_id)
    now = clock.now()
    members = _joined(conversation, user, now=now)
    refusal = engagements.posting_refusal(conversation)
    if refusal is not None:
        raise refusal
    _refuse_if_too_fast(user, now=now)
    others = [row for person, row in members.items() if person != user.pk]
    people = {row.person_id for row in others}
    # Read once: they both refuse the post and leave the blockers untold of it.
    blockers = _blockers(conversation, user, people)
    _refuse_if_blocked_by_everyone(conversation, user, people, blockers)
    message = Message.objects.create(
        conversation=conversation, author=user, body=text, created_at=now
    )
    _save_attachments(message, checked, stored=stored)
    conversation.last_message_at = now
    conversation.save(update_fields=["last_message_at"])
    # The author has read up to their own message, so what told them of earlier ones is read.
    ConversationMember.objects.filter(conversation=conversation, person=user).update(
        last_read_message_id=message.pk
    )
    _notifications_read(conversation, user, now=now)
    if conversation.dispute_id is not None:
        # Disputes build on conversations: a case message is audited however it was sent.
        from headstrt.disputes.services import dispute_message_record

        dispute_message_record(dispute=conversation.dispute, author=user, message=message)
    _notify(conversation, message, others, blockers=blockers, files=len(checked))
    return message


def _notify(
    conversation: Conversation,
    message: Message,
    others: list[ConversationMember],
    *,
    blockers: set[int],
    files: int,
) -> None:
    """Tell the other members about ``message``, but not those among ``blockers`` (who
    blocked its author): one unread notification per conversation at a time, and an email
    only for the first message they have not read (or if never emailed here), so a burst of
    messages sends one email."""
    if not others:
        return
    people = {row.person_id for row in others}
    url = conversation_url(conversation)
    waiting = set(
        Notification.objects.filter(
            recipient_id__in=people, kind=MESSAGE_RECEIVED, url=url, read_at__isnull=True
        ).values_list("recipient_id", flat=True)
    )
    for row in others:
        if row.person_id in blockers or row.person_id in waiting:
            continue
        earlier_unread = (
            Message.objects.filter(
                conversation=conversation,
                pk__gt=row.last_read_message_id,
                pk__lt=message.pk,
                hidden_at__isnull=True,
            )
            .exclude(author_id=row.person_id)
            .exists()
        )
        email = row.emailed_at is None or not earlier_unread
        name = engagements.author_name(conversation, message.author, row.person)
        title = engagements.title(conversation, row.person)
        notification_send(
            recipient=row.person,
            kind=MESSAGE_RECEIVED,
            title=f"{name} wrote in “{title}”",
            body=_preview(message, files),
            url=url,
            email=email,
        )
        if email:
            row.emailed_at = message.created_at
            row.save(update_fields=["emailed_at"])


def _preview(message: Message, files: int) -> str:
    text = message.body
    if len(text) > _PREVIEW:
        text = text[: _PREVIEW - 1].rstrip() + "…"
    return text or ("A file." if files == 1 else f"{files} files.")


@transaction.atomic
def conversation_mark_read(
    *, user: User, conversation_id: object, up_to: int | None = None
) -> None:
    """Move ``user``'s read pointer to message ``up_to`` (a message id; ``None``: the
    latest), never back; once they have read everything, their notifications of new
    messages here are read too."""
    if up_to is not None and (isinstance(up_to, bool) or not isinstance(up_to, int) or up_to < 0):
        raise DomainError(
            "invalid",
            "up_to is the id of a message in the conversation.",
            field="up_to",
            status=422,
        )
    conversation = _conversation_for_update(conversation_id)
    now = clock.now()
    member = _joined(conversation, user, now=now)[user.pk]
    latest = (
        Message.objects.filter(conversation=conversation)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )
    pointer = latest if up_to is None else min(up_to, latest)
    if pointer > member.last_read_message_id:
        member.last_read_message_id = pointer
        member.save(update_fields=["last_read_message_id"])
    if member.last_read_message_id >= latest:
        _notifications_read(conversation, user, now=now)


def _notifications_read(conversation: Conversation, user: User, *, now: datetime) -> None:
    """Mark read what told ``user`` of new messages here (they have read them all)."""
    Notification.objects.filter(
        recipient=user,
        kind=MESSAGE_RECEIVED,
        url=conversation_url(conversation),
        read_at__isnull=True,
    ).update(read_at=now)


def _person(person_id: object) -> User:
    found = (
        User.objects.filter(public_id=person_id, is_active=True).first()
        if isinstance(person_id, str)
        else None
    )
    if found is None:
        raise NotFound("No such person.")
    return found


@transaction.atomic
def person_block(*, user: User, person_id: object) -> Block:
    """``user`` stops receiving messages from a person (``User.public_id``): their messages
    are hidden from ``user`` and never notified. Blocking again changes nothing;
    ``block_self`` (422)."""
    person = _person(person_id)
    if person.pk == user.pk:
        raise DomainError("block_self", "You cannot block yourself.", status=422)
    block, _ = Block.objects.get_or_create(
        blocker=user, blocked=person, defaults={"created_at": clock.now()}
    )
    return block


@transaction.atomic
def person_unblock(*, user: User, person_id: object) -> None:
    """``user`` receives messages from the person again (nothing changes if not blocked)."""
    Block.objects.filter(blocker=user, blocked=_person(person_id)).delete()


def _message_for_member(message_id: object, user: User) -> Message:
    message = (
        Message.objects.select_related("conversation").filter(public_id=message_id).first()
        if isinstance(message_id, str)
        else None
    )
    if message is None:
        raise NotFound("No such message.")
    conversation = engagements.conversations_with_engagements().get(pk=message.conversation_id)
    people = engagements.participants(conversation, user)
    if not any(participant.user.pk == user.pk for participant in people):
        raise NotFound("No such message.")
    return message


@transaction.atomic
def message_report(*, user: User, message_id: object, reason: object) -> MessageReport:
    """A member reports a message of someone else in their conversation to staff, with a
    reason (1 to 1,000 characters). Refusals: ``report_own`` (422), ``already_reported``
    (409), ``report_reason`` (422); ``NotFound`` for anyone not in the conversation."""
    message = _message_for_member(message_id, user)
    if message.author_id == user.pk:
        raise DomainError("report_own", "You cannot report your own message.", status=422)
    text = reason.strip().replace("\x00", "") if isinstance(reason, str) else ""
    if not text or len(text) > MAX_REPORT_REASON:
        raise DomainError(
            "report_reason",
            f"Say in 1 to {MAX_REPORT_REASON:,} characters what is wrong with the message.",
            field="reason",
            status=422,
        )
    try:
        with transaction.atomic():
            return MessageReport.objects.create(
                message=message, reporter=user, reason=text, created_at=clock.now()
            )
    except IntegrityError:
        raise DomainError(
            "already_reported", "You have reported this message already.", status=409
        ) from None


@transaction.atomic
def message_report_resolve(*, staff: User, report_id: object, upheld: bool) -> MessageReport:
    """Staff decide a report: upheld hides the message (its members see that staff removed
    it); dismissed leaves it. Either way every open report of that message is resolved.
    ``PermissionDenied`` for anyone but staff; ``report_resolved`` (409) when decided."""
    if not staff.is_staff:
        raise PermissionDenied("Only staff can decide reports.")
    if not isinstance(upheld, bool):
        raise DomainError("invalid", "upheld is true or false.", field="upheld", status=422)
    report = (
        MessageReport.objects.select_for_update().filter(public_id=report_id).first()
        if isinstance(report_id, str)
        else None
    )
    if report is None:
        raise NotFound("No such report.")
    if report.resolved_at is not None:
        raise DomainError("report_resolved", "This report has been decided already.", status=409)
    now = clock.now()
    if upheld:
        Message.objects.filter(pk=report.message_id, hidden_at__isnull=True).update(hidden_at=now)
    MessageReport.objects.filter(message_id=report.message_id, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=staff, upheld=upheld
    )
    report.refresh_from_db()
    return report
