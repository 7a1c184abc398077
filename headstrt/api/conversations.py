"""Conversations around engagements: messages, attachments, read state, blocks and reports."""

import json
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic import StrictInt

from headstrt.api.schemas import FILE_DOWNLOAD, Input, in_utc
from headstrt.core.errors import DomainError
from headstrt.messaging import conversation_reads as reads
from headstrt.messaging import conversations as services
from headstrt.messaging.attachments import attachment_download
from headstrt.messaging.models import MAX_MESSAGE, MAX_REPORT_REASON, Conversation

router = Router(tags=["Conversations"])


# --- shapes ------------------------------------------------------------------------------------


class ConversationOpenIn(Input):
    booking: str | None = Field(None, description="A session's id (a panel's session: the panel)")
    perspective_request: str | None = Field(None, description="A written question's id")
    dispute: str | None = Field(None, description="A dispute's id")


class ConversationMessageIn(Input):
    body: str = Field(description=f"1 to {MAX_MESSAGE:,} characters of plain text")


class ReadIn(Input):
    up_to: StrictInt | None = Field(
        None, description="The `number` of the last message read; empty: the latest"
    )


class MessageReportIn(Input):
    reason: str = Field(description=f"What is wrong, 1 to {MAX_REPORT_REASON:,} characters")


class BlockIn(Input):
    person: str = Field(description="The id of the person whose messages you no longer want")


class AttachmentOut(Schema):
    id: str
    name: str
    content_type: str
    size: int = Field(description="Bytes")
    url: str


def attachment_out(request: HttpRequest, file) -> AttachmentOut:
    """A message's file, with the address members download it from."""
    return AttachmentOut(
        id=file.public_id,
        name=file.name,
        content_type=file.content_type,
        size=file.size,
        url=request.build_absolute_uri(
            reverse("api:conversation_attachment", args=[file.public_id])
        ),
    )


class ConversationMessageOut(Schema):
    id: str
    number: int = Field(description="Increases with each message: use it for `after`/`before`")
    author_id: str | None = Field(description="Null for the anonymous mentee of a question")
    author_name: str
    mine: bool
    removed: bool = Field(description="Removed by staff: no body or files")
    body: str
    attachments: list[AttachmentOut]
    created_at: datetime


class ParticipantOut(Schema):
    id: str | None = Field(description="Null for the anonymous mentee of a question")
    name: str
    role: str = Field(description="mentee, mentor, party (of a dispute) or mediator")


class ConversationOut(Schema):
    id: str
    kind: str = Field(description="session, panel, perspective_request or dispute")
    title: str
    engagement_url: str = Field(description="The engagement's page on the web app")
    participants: list[ParticipantOut]
    can_post: bool
    cannot_post_reason: str
    messages: list[ConversationMessageOut] = Field(description="Oldest first")
    has_earlier: bool = Field(description="Older messages exist: ask with `before`")
    last_read_message: int = Field(description="The `number` you had read up to")


class ConversationSummaryOut(Schema):
    id: str
    kind: str
    title: str
    engagement_url: str
    last_message_at: datetime | None
    unread: int
    preview: str


class MessageReportOut(Schema):
    id: str
    message: str
    created_at: datetime


class PersonBlockOut(Schema):
    person: str
    name: str
    created_at: datetime


class PageQuery(Schema):
    before: int | None = Field(None, description="Only messages before this `number`")
    limit: int = Field(50, ge=1, le=200)


class AfterQuery(Schema):
    after: int = Field(0, ge=0, description="Only messages after this `number`")


# --- answers -----------------------------------------------------------------------------------


def _kind(conversation: Conversation) -> str:
    if conversation.booking_id is not None:
        return "session"
    if conversation.panel_id is not None:
        return "panel"
    if conversation.request_id is not None:
        return "perspective_request"
    return "dispute"


def _anonymous(conversation: Conversation, person_id: int, viewer) -> bool:
    request = conversation.request if conversation.request_id is not None else None
    return (
        request is not None
        and request.anonymous
        and person_id == request.mentee_id
        and viewer.pk != request.mentee_id
    )


def _message_out(
    request: HttpRequest, view: reads.MessageView, *, with_files: bool = True
) -> ConversationMessageOut:
    """A message as ``request.auth`` sees it; ``with_files=False`` for one known to carry
    none (a message just posted without files), whose files are then not looked up."""
    message = view.message
    hidden = _anonymous(message.conversation, message.author_id, request.auth)
    files = list(message.attachments.all()) if with_files and not view.removed else []
    return ConversationMessageOut(
        id=message.public_id,
        number=message.pk,
        author_id=None if hidden else message.author.public_id,
        author_name=view.author_name,
        mine=view.mine,
        removed=view.removed,
        body="" if view.removed else message.body,
        attachments=[attachment_out(request, file) for file in files],
        created_at=in_utc(message.created_at),
    )


def _conversation_out(request: HttpRequest, view: reads.ConversationView) -> ConversationOut:
    conversation = view.conversation
    return ConversationOut(
        id=conversation.public_id,
        kind=_kind(conversation),
        title=view.title,
        engagement_url=request.build_absolute_uri(view.engagement_url),
        participants=[
            ParticipantOut(
                id=None
                if _anonymous(conversation, person.user.pk, request.auth)
                else person.user.public_id,
                name=person.name,
                role=person.role,
            )
            for person in view.participants
        ],
        can_post=view.can_post,
        cannot_post_reason=view.cannot_post_reason,
        messages=[_message_out(request, item) for item in view.messages],
        has_earlier=view.has_earlier,
        last_read_message=view.last_read_message_id,
    )


def _view(request: HttpRequest, conversation_id: str, **page) -> ConversationOut:
    view = reads.conversation_get_for_member(
        user=request.auth, conversation_id=conversation_id, **page
    )
    return _conversation_out(request, view)


def _posted(request: HttpRequest) -> tuple[object, list]:
    """The body and files of a new message: multipart form data (``body``, ``files``) or
    JSON (``{"body": ...}``)."""
    if request.content_type == "multipart/form-data":
        return request.POST.get("body", ""), request.FILES.getlist("files")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise DomainError("invalid", "The body is not valid JSON.", status=422) from None
    if not isinstance(data, dict) or set(data) - {"body"}:
        raise DomainError(
            "invalid",
            'Send {"body": "..."}, or multipart form data with body and files.',
            status=422,
        )
    return data.get("body"), []


# --- endpoints ---------------------------------------------------------------------------------


@router.get("conversations", response=list[ConversationSummaryOut])
@decorate_view(never_cache)
def conversation_list(request: HttpRequest):
    """Your conversations, the latest message first, each with its unread count and the
    start of its latest message (at most 100)."""
    return [
        ConversationSummaryOut(
            id=summary.conversation.public_id,
            kind=_kind(summary.conversation),
            title=summary.title,
            engagement_url=request.build_absolute_uri(summary.engagement_url),
            last_message_at=in_utc(summary.last_message_at),
            unread=summary.unread,
            preview=summary.preview,
        )
        for summary in reads.conversations_for_person(user=request.auth)
    ]


@router.post("conversations", response=ConversationOut)
def conversation_open(request: HttpRequest, payload: ConversationOpenIn):
    """The conversation around one of your engagements, named by exactly one of `booking`,
    `perspective_request` or `dispute`; made the first time. Conversations exist only
    around engagements: there is no way to write to someone else. Refusals:
    `engagement_required` (422), `no_conversation` (409: nobody to talk to yet, e.g. a
    session only held in checkout); 404 for an engagement that is not yours."""
    conversation = services.conversation_open(
        user=request.auth,
        booking_id=payload.booking,
        request_id=payload.perspective_request,
        dispute_id=payload.dispute,
    )
    return _conversation_out(
        request, reads.conversation_view(conversation=conversation, user=request.auth)
    )


@router.get("conversations/{slug:conversation_id}", response=ConversationOut)
@decorate_view(never_cache)
def conversation_detail(request: HttpRequest, conversation_id: str, query: Query[PageQuery]):
    """A conversation of yours with its latest messages (or those before `before`), oldest
    first, who takes part and whether you may write. Messages of people you blocked are
    left out; messages staff removed keep their place without body or files."""
    return _view(request, conversation_id, before=query.before, limit=query.limit)


@router.get("conversations/{slug:conversation_id}/messages", response=list[ConversationMessageOut])
@decorate_view(never_cache)
def messages_after(request: HttpRequest, conversation_id: str, query: Query[AfterQuery]):
    """The messages after `after` (a message `number`), oldest first, at most 100: poll
    this for new messages."""
    views = reads.messages_after(
        user=request.auth, conversation_id=conversation_id, after=query.after
    )
    return [_message_out(request, view) for view in views]


@router.post(
    "conversations/{slug:conversation_id}/messages",
    response={201: ConversationMessageOut},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ConversationMessageIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "body": {"type": "string"},
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                },
            }
        }
    },
)
def message_post(request: HttpRequest, conversation_id: str):
    """Write in a conversation of yours: JSON `{"body": ...}`, or multipart form data with
    `body` and up to 3 `files` (PDF, PNG, JPEG, GIF, WebP, plain text, .docx, .xlsx or
    .pptx, recognised by their content). Refusals: `message_empty`, `message_too_long`,
    `too_many_attachments`, `attachment_type` (422), `attachment_too_large` (413),
    `blocked` (403: everyone else here blocked you), `no_conversation` (409),
    `rate_limited` (429)."""
    body, files = _posted(request)
    message = services.message_post(
        user=request.auth, conversation_id=conversation_id, body=body, files=files
    )
    view = reads.MessageView(
        message=message, author_name=request.auth.display_name, mine=True, removed=False
    )
    return Status(201, _message_out(request, view, with_files=bool(files)))


@router.post("conversations/{slug:conversation_id}/read", response={204: None})
def conversation_read(request: HttpRequest, conversation_id: str, payload: ReadIn | None = None):
    """Mark the conversation read up to `up_to` (a message `number`; empty: all of it).
    Your notifications of its new messages are read too once you have read everything."""
    services.conversation_mark_read(
        user=request.auth,
        conversation_id=conversation_id,
        up_to=payload.up_to if payload else None,
    )
    return Status(204, None)


@router.get(
    "attachments/{slug:attachment_id}",
    url_name="conversation_attachment",
    openapi_extra=FILE_DOWNLOAD,
)
def attachment_file(request: HttpRequest, attachment_id: str) -> HttpResponse:
    """A file attached to a message, as a download, for the conversation's members."""
    return attachment_download(user=request.auth, attachment_id=attachment_id)


@router.post("messages/{slug:message_id}/report", response={201: MessageReportOut})
def message_report(request: HttpRequest, message_id: str, payload: MessageReportIn):
    """Report a message of someone else in your conversation to staff, with a reason.
    Refusals: `report_own`, `report_reason` (422), `already_reported` (409)."""
    report = services.message_report(
        user=request.auth, message_id=message_id, reason=payload.reason
    )
    return Status(
        201,
        MessageReportOut(
            id=report.public_id,
            message=message_id,
            created_at=in_utc(report.created_at),
        ),
    )


def _block_out(block) -> PersonBlockOut:
    return PersonBlockOut(
        person=block.blocked.public_id,
        name=block.blocked.display_name,
        created_at=in_utc(block.created_at),
    )


@router.get("message-blocks", response=list[PersonBlockOut])
@decorate_view(never_cache)
def block_list(request: HttpRequest):
    """The people whose messages you blocked, the latest first."""
    return [_block_out(block) for block in reads.blocks_for_person(user=request.auth)]


@router.post("message-blocks", response={201: PersonBlockOut})
def block_add(request: HttpRequest, payload: BlockIn):
    """Block messages from a person: theirs are hidden from you and never notified, and
    where everyone else in a conversation blocked them, they cannot write there. Blocking
    again changes nothing. Refusal: `block_self` (422)."""
    block = services.person_block(user=request.auth, person_id=payload.person)
    return Status(201, _block_out(block))


@router.delete("message-blocks/{slug:person_id}", response={204: None})
def block_remove(request: HttpRequest, person_id: str):
    """Receive messages from the person again."""
    services.person_unblock(user=request.auth, person_id=person_id)
    return Status(204, None)
