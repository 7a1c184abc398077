"""Disputes: open one over a session, the case as each role sees it, responses, evidence,
messages, a mediator's proposal or decision, accepting or appealing it, and the mediator's
queue."""

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.decorators import decorate_view
from pydantic import StrictInt

from headstrt.api.conversations import AttachmentOut, attachment_out
from headstrt.api.idempotency import idempotency_key, idempotent_response
from headstrt.api.schemas import FILE_DOWNLOAD, Input, MoneyOut, Text, in_utc
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.pagination import paginate
from headstrt.disputes import selectors, services
from headstrt.disputes.downloads import evidence_download
from headstrt.disputes.models import Dispute

# Disputes one person may open a minute: far above a real need, far below what flooding the
# other side and the mediators would take.
OPEN_RATE_PER_USER = "10/m"

router = Router(tags=["Disputes"])


def _refuse_if_too_many_openings(request: HttpRequest) -> None:
    limited = is_ratelimited(
        request,
        group="api.disputes.open",
        key=lambda group, request: request.auth.public_id,
        rate=OPEN_RATE_PER_USER,
        increment=True,
    )
    if limited:
        raise DomainError(
            "rate_limited", "Too many disputes opened. Wait a minute and try again.", status=429
        )


# --- shapes ------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: str = Field(alias="public_id")
    display_name: str


class DisputeOpenIn(Input):
    reason: str = Field(description="no_show, quality, conduct, technical or billing")
    description: str = Field(description="What happened, 1 to 4,000 characters")
    wanted: str = Field(description="release (to the mentor), refund (to the mentee) or split")
    wanted_mentor_percent: StrictInt | None = Field(
        None, description="For a split: the mentor's share, 1 to 99"
    )


class ResponseIn(Input):
    text: str = Field(description="Your account, 1 to 4,000 characters")


class DisputeMessageIn(Input):
    body: str = Field(description="1 to 4,000 characters")


class ProposalIn(Input):
    remedy: str = Field(description="release, refund or split")
    mentor_percent: StrictInt | None = Field(None, description="For a split: 1 to 99")
    reasons: str = Field(description="Written reasons both parties read, up to 4,000 characters")


class AppealIn(Input):
    reason: str = Field(description="Why you appeal, up to 4,000 characters")


class EvidenceIn(Input):
    text: str = Field("", description="Up to 4,000 characters")


class DisputeOut(Schema):
    """A dispute's state; ``deadline`` is when the current step's default applies."""

    id: str = Field(alias="public_id")
    session: str = Field(alias="booking.public_id")
    status: str
    reason: str
    description: str
    wanted: str
    wanted_mentor_percent: int
    opener: PersonOut
    opener_role: str = Field(alias="opener_party", description="mentor or mentee")
    respondent: PersonOut
    response: str
    responded_at: datetime | None
    deadline: datetime | None = Field(description="None once resolved")
    appealed_by: PersonOut | None
    resolution: str = Field(description="release, refund or split; empty until resolved")
    mentor_percent: int | None = Field(description="The mentor's share of the escrow, resolved")
    resolved_by_default: bool
    resolved_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_deadline(dispute: Dispute) -> datetime | None:
        return None if dispute.resolved_at else in_utc(dispute.deadline)

    @staticmethod
    def resolve_responded_at(dispute: Dispute) -> datetime | None:
        return in_utc(dispute.responded_at)

    @staticmethod
    def resolve_resolved_at(dispute: Dispute) -> datetime | None:
        return in_utc(dispute.resolved_at)

    @staticmethod
    def resolve_created_at(dispute: Dispute) -> datetime:
        return in_utc(dispute.created_at)


class MineOut(DisputeOut):
    your_role: str = Field(description="opener or respondent")

    @staticmethod
    def resolve_your_role(dispute: Dispute, context) -> str:
        return "opener" if dispute.opener_id == context["request"].auth.pk else "respondent"


class DisputePageOut(Schema):
    items: list[MineOut]
    page: int
    size: int
    total: int
    pages: int


class EvidenceOut(Schema):
    id: str = Field(alias="public_id")
    author: PersonOut
    text: str
    file_name: str
    content_type: str
    file_url: str | None = Field(description="Download with your credentials; None without a file")
    created_at: datetime

    @staticmethod
    def resolve_file_url(evidence, context) -> str | None:
        if not evidence.file:
            return None
        address = reverse(
            "api:dispute_evidence_file", args=[evidence.dispute.public_id, evidence.public_id]
        )
        return context["request"].build_absolute_uri(address)

    @staticmethod
    def resolve_created_at(evidence) -> datetime:
        return in_utc(evidence.created_at)


class DisputeMessageOut(Schema):
    author: PersonOut
    body: str
    attachments: list[AttachmentOut] = Field(
        description="Files of the message, for the parties and the case's mediator to download"
    )
    created_at: datetime

    @staticmethod
    def resolve_created_at(message) -> datetime:
        return in_utc(message.created_at)

    @staticmethod
    def resolve_attachments(message, context) -> list[AttachmentOut]:
        return [attachment_out(context["request"], file) for file in message.attachments.all()]


class ProposalOut(Schema):
    stage: str = Field(alias="assignment.stage", description="first, or appeal (final)")
    remedy: str
    mentor_percent: int
    reasons: str
    created_at: datetime
    mentor_accepted_at: datetime | None
    mentee_accepted_at: datetime | None

    @staticmethod
    def resolve_created_at(proposal) -> datetime:
        return in_utc(proposal.created_at)

    @staticmethod
    def resolve_mentor_accepted_at(proposal) -> datetime | None:
        return in_utc(proposal.mentor_accepted_at)

    @staticmethod
    def resolve_mentee_accepted_at(proposal) -> datetime | None:
        return in_utc(proposal.mentee_accepted_at)


class AuditOut(Schema):
    actor: PersonOut | None = Field(description="None for the platform's own deadlines")
    action: str
    detail: dict
    created_at: datetime

    @staticmethod
    def resolve_created_at(entry) -> datetime:
        return in_utc(entry.created_at)


class AttendanceOut(Schema):
    person: PersonOut
    role: str = Field(alias="party")
    joined_at: datetime

    @staticmethod
    def resolve_joined_at(seen) -> datetime:
        return in_utc(seen.joined_at)


class SessionRecordOut(Schema):
    id: str = Field(alias="public_id")
    mentor: PersonOut = Field(alias="mentor.user")
    mentee: PersonOut
    start: datetime
    end: datetime
    minutes: int
    status: str
    objective: str
    confirmed_at: datetime | None
    ended_at: datetime | None
    ended_by: PersonOut | None
    no_show_role: str = Field(alias="no_show_party", description="Who did not come, if anyone")

    @staticmethod
    def resolve_start(booking) -> datetime:
        return in_utc(booking.start)

    @staticmethod
    def resolve_end(booking) -> datetime:
        return in_utc(booking.end)

    @staticmethod
    def resolve_confirmed_at(booking) -> datetime | None:
        return in_utc(booking.confirmed_at)

    @staticmethod
    def resolve_ended_at(booking) -> datetime | None:
        return in_utc(booking.ended_at)


class PaymentOut(Schema):
    status: str = Field(description="free, in_escrow, frozen, released, refunded, …")
    price: MoneyOut
    paid: MoneyOut
    in_escrow: MoneyOut
    released: MoneyOut
    refunded: MoneyOut


class CaseOut(DisputeOut):
    """The whole case as the viewer may see it, and what they may do now."""

    your_role: str = Field(description="opener, respondent, mediator, past_mediator or staff")
    actions: list[str] = Field(description="Of respond, evidence, message, propose, accept, appeal")
    session_record: SessionRecordOut
    attendance: list[AttendanceOut]
    payment: PaymentOut | None = Field(description="None for a free session")
    messages: list[DisputeMessageOut]
    evidence: list[EvidenceOut]
    proposals: list[ProposalOut]
    audit: list[AuditOut]


class QueueItemOut(Schema):
    dispute: DisputeOut
    stage: str = Field(description="first, or appeal (your decision is final)")
    assigned_at: datetime
    due_at: datetime
    overdue: bool

    @staticmethod
    def resolve_assigned_at(assignment) -> datetime:
        return in_utc(assignment.assigned_at)

    @staticmethod
    def resolve_due_at(assignment) -> datetime:
        return in_utc(assignment.due_at)

    @staticmethod
    def resolve_overdue(assignment) -> bool:
        return assignment.due_at < clock.now()


class PageQuery(Text):
    page: int = 1
    size: int = 20


def _payment(money) -> dict | None:
    if money is None or money.status == "free":
        return None
    return {
        "status": money.status,
        **{
            name: MoneyOut.of(getattr(money, name))
            for name in ("price", "paid", "in_escrow", "released", "refunded")
        },
    }


class _CaseView:
    """A dispute with the rest of its case, read as attributes by ``CaseOut``."""

    def __init__(self, dispute: Dispute, **case):
        self._dispute = dispute
        self.__dict__.update(case)

    def __getattr__(self, name: str):
        return getattr(self._dispute, name)


def _case(request: HttpRequest, dispute_id: str) -> _CaseView:
    """The case of ``dispute_id`` as ``request.auth`` sees it."""
    user = request.auth
    dispute = selectors.dispute_get_for_viewer(dispute_id=dispute_id, user=user)
    case = selectors.dispute_case(dispute)
    return _CaseView(
        dispute,
        your_role=selectors.dispute_role(dispute, user),
        actions=sorted(selectors.dispute_actions(dispute, user, now=clock.now())),
        session_record=case.booking,
        attendance=list(case.attendance),
        payment=_payment(case.money),
        messages=list(case.messages),
        evidence=list(case.evidence),
        proposals=list(case.proposals),
        audit=list(case.audit),
    )


def _case_json(request: HttpRequest, dispute_id: str) -> dict:
    case = _case(request, dispute_id)
    return CaseOut.model_validate(case, context={"request": request}).model_dump(mode="json")


# --- endpoints --------------------------------------------------------------------------------


@router.post("bookings/{slug:booking_id}/dispute", response={201: CaseOut})
@decorate_view(never_cache)
def dispute_open(
    request: HttpRequest,
    booking_id: str,
    payload: DisputeOpenIn,
    key: str | None = idempotency_key(),
):
    """Open a dispute over a session you took part in, from its start until the dispute
    window (72 hours by default) after its end. The session's escrow freezes at once; the
    other side has 48 hours to respond, or the dispute is resolved as you ask.

    Refusals: 404 for a session that is not yours, ``session_not_started`` and
    ``dispute_window_closed`` (409), ``dispute_exists`` (409, one dispute per session),
    ``invalid_percent`` (422), ``rate_limited`` (429).
    """
    _refuse_if_too_many_openings(request)

    def run() -> tuple[int, dict]:
        dispute = services.dispute_open(
            user=request.auth, booking_id=booking_id, **payload.model_dump()
        )
        return 201, _case_json(request, dispute.public_id)

    return idempotent_response(
        request,
        key=key,
        scope="disputes.open",
        parameters={"booking": booking_id, **payload.model_dump(mode="json")},
        run=run,
    )


@router.get("disputes", response=DisputePageOut)
@decorate_view(never_cache)
def my_disputes(request: HttpRequest, query: Query[PageQuery]):
    """The disputes you opened or are asked to answer, newest first, a page at a time."""
    page = paginate(selectors.disputes_of_party(request.auth), page=query.page, size=query.size)
    return {
        "items": page.items,
        "page": page.number,
        "size": page.size,
        "total": page.total,
        "pages": page.pages,
    }


@router.get("disputes/{slug:dispute_id}", response=CaseOut)
@decorate_view(never_cache)
def dispute_case(request: HttpRequest, dispute_id: str):
    """The case as you may see it (as a party, a mediator of it, or staff): the session
    record, attendance, payment, messages, evidence, proposals, the audit log, the deadline
    and what you may do now. 404 for anyone else."""
    return _case(request, dispute_id)


@router.post("disputes/{slug:dispute_id}/response", response=CaseOut)
def dispute_respond(request: HttpRequest, dispute_id: str, payload: ResponseIn):
    """As the other side, give your account, once, before the deadline; a neutral mediator
    then takes the case."""
    services.dispute_respond(user=request.auth, dispute_id=dispute_id, text=payload.text)
    return _case(request, dispute_id)


@router.post("disputes/{slug:dispute_id}/evidence", response={201: EvidenceOut})
def evidence_add(
    request: HttpRequest,
    dispute_id: str,
    payload: Form[EvidenceIn],
    file: File[UploadedFile | None] = None,
):
    """Add evidence as multipart form data: ``text`` and/or one ``file`` (PDF, PNG, JPEG,
    WebP or plain text, recognised by its content, at most 10 MB). Parties and the case's
    mediator, while the dispute is open. Refusals: ``file_type`` (422), ``file_too_large``."""
    evidence = services.evidence_add(
        user=request.auth, dispute_id=dispute_id, text=payload.text, upload=file
    )
    return Status(201, evidence)


@router.get(
    "disputes/{slug:dispute_id}/evidence/{slug:evidence_id}/file",
    url_name="dispute_evidence_file",
    openapi_extra=FILE_DOWNLOAD,
)
def evidence_file(request: HttpRequest, dispute_id: str, evidence_id: str):
    """An evidence file, as an attachment, for those who may see the case."""
    return evidence_download(dispute_id=dispute_id, evidence_id=evidence_id, user=request.auth)


@router.post("disputes/{slug:dispute_id}/messages", response={201: DisputeMessageOut})
def message_send(request: HttpRequest, dispute_id: str, payload: DisputeMessageIn):
    """Write to everyone on the case (parties and the case's mediator)."""
    message = services.dispute_message_send(
        user=request.auth, dispute_id=dispute_id, body=payload.body
    )
    return Status(201, message)


@router.post("disputes/{slug:dispute_id}/proposal", response=CaseOut)
def proposal_make(request: HttpRequest, dispute_id: str, payload: ProposalIn):
    """As the case's current mediator, propose a resolution with reasons (release: 100 % to
    the mentor, refund: 0 %, split: 1–99 %); on appeal, your decision is final and settles
    the escrow. Another mediator gets 403 ``not_your_case``; ``invalid_percent`` (422)."""
    services.proposal_make(
        mediator_user=request.auth,
        dispute_id=dispute_id,
        remedy=payload.remedy,
        mentor_percent=payload.mentor_percent,
        reasons=payload.reasons,
    )
    return _case(request, dispute_id)


@router.post("disputes/{slug:dispute_id}/accept", response=CaseOut)
def proposal_accept(request: HttpRequest, dispute_id: str):
    """As a party, accept the proposal; once both have, the escrow is settled as proposed."""
    services.proposal_accept(user=request.auth, dispute_id=dispute_id)
    return _case(request, dispute_id)


@router.post("disputes/{slug:dispute_id}/appeal", response=CaseOut)
def proposal_appeal(request: HttpRequest, dispute_id: str, payload: AppealIn):
    """As a party, appeal the proposal, once per dispute; a second, different neutral
    mediator decides, finally."""
    services.proposal_appeal(user=request.auth, dispute_id=dispute_id, reason=payload.reason)
    return _case(request, dispute_id)


@router.get("mediation/queue", response=list[QueueItemOut])
@decorate_view(never_cache)
def mediation_queue(request: HttpRequest):
    """As a mediator, the cases waiting for your proposal or decision, soonest deadline
    first."""
    return list(selectors.mediator_queue(request.auth))
