"""Changes to disputes: opening, the response, evidence, messages, proposals, acceptance,
appeal, and the default each state takes when its deadline passes.

Each service is one transaction that locks the two parties (in id order, as the booking
and payment services do) and then the dispute's row, so steps on one dispute take turns and
money moves with the step that moves it. Every step writes an audit entry in the same
transaction; people are told once it commits. Every open state has a deadline and a
default (see ``disputes_advance``), so no dispute waits forever.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.ids import new_public_id
from headstrt.disputes import notices
from headstrt.disputes.evidence import evidence_file_check
from headstrt.disputes.mediators import mediator_assign
from headstrt.disputes.models import (
    MAX_TEXT,
    OPEN_STATUSES,
    Assignment,
    AuditEntry,
    Dispute,
    DisputeReason,
    DisputeStatus,
    Evidence,
    Proposal,
    Remedy,
    Stage,
)
from headstrt.disputes.selectors import (
    PARTY_ROLES,
    dispute_open_refusal,
    dispute_role,
    proposal_accepted_by,
)
from headstrt.messaging.conversations import conversation_open, message_post
from headstrt.messaging.models import Message
from headstrt.payments.services import escrow_freeze, escrow_settle
from headstrt.scheduling.models import Booking

logger = logging.getLogger(__name__)

# When no neutral mediator is free, the platform tries again this much later.
NO_MEDIATOR_RETRY = timedelta(hours=24)
NO_MEDIATOR_TRIES = 3  # daily tries before the last default applies


def _hours(setting: str) -> timedelta:
    return timedelta(hours=getattr(settings, setting))


# Input


def _invalid(message: str, field: str) -> DomainError:
    return DomainError("invalid", message, field=field, status=422)


def _text(value: object, *, field: str, label: str) -> str:
    if not isinstance(value, str):
        raise _invalid(f"{label} must be text.", field)
    text = value.strip()
    if not text:
        raise _invalid(f"{label} cannot be empty.", field)
    if len(text) > MAX_TEXT:
        raise _invalid(
            f"{label} can be at most {MAX_TEXT:,} characters; this is {len(text):,}.", field
        )
    return text


def _choice(value: object, choices: type, *, field: str, label: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise _invalid(f"{label} is one of: {allowed}.", field)
    return str(value)


def _invalid_percent(message: str, field: str) -> DomainError:
    return DomainError("invalid_percent", message, field=field, status=422)


def _remedy(remedy: object, percent: object, *, field: str) -> tuple[str, int]:
    """The remedy and the mentor's share it gives: release 100 %, refund 0 %, a split 1–99 %."""
    remedy = _choice(
        remedy,
        Remedy,
        field="remedy" if field == "mentor_percent" else "wanted",
        label="The resolution",
    )
    if percent is not None:
        if isinstance(percent, bool) or not isinstance(percent, int):
            raise _invalid_percent("The mentor's share is a whole percentage from 0 to 100.", field)
        if not 0 <= percent <= 100:
            raise _invalid_percent(
                f"The mentor's share is a percentage from 0 to 100, not {percent}.", field
            )
    if remedy == Remedy.RELEASE:
        if percent not in (None, 100):
            raise _invalid_percent(
                "A release gives the mentor 100 %; for less, choose a split.", field
            )
        return remedy, 100
    if remedy == Remedy.REFUND:
        if percent not in (None, 0):
            raise _invalid_percent(
                "A full refund gives the mentor 0 %; for more, choose a split.", field
            )
        return remedy, 0
    if percent is None or percent in (0, 100):
        raise _invalid_percent(
            "A split gives the mentor from 1 to 99 % (for 0 or 100 %, choose a refund or a "
            "release).",
            field,
        )
    return remedy, percent


# Locks, access and the audit


def _lock_people(*user_ids: int) -> None:
    """Row-lock people in id order, as the booking and payment services do (no deadlocks)."""
    ids = sorted(set(user_ids))
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def _case_for_update(dispute_id: object, user: User) -> tuple[Dispute, str]:
    """The dispute, locked with its parties, and ``user``'s role on it; ``NotFound`` for
    anyone who may not see it."""
    if not isinstance(dispute_id, str):
        raise NotFound("No such dispute.")
    found = (
        Dispute.objects.filter(public_id=dispute_id)
        .values_list("pk", "opener_id", "respondent_id")
        .first()
    )
    if found is None:
        raise NotFound("No such dispute.")
    _lock_people(found[1], found[2])
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("booking__mentor__user", "booking__mentee", "opener", "respondent")
        .get(pk=found[0])
    )
    role = dispute_role(dispute, user)
    if not role:
        raise NotFound("No such dispute.")
    return dispute, role


def _not_your_case() -> DomainError:
    return DomainError(
        "not_your_case",
        "Only the mediator the case is assigned to now can do that.",
        status=403,
    )


def _only_parties() -> PermissionDenied:
    return PermissionDenied("Only the two people of the session can do that.")


def _still_open(dispute: Dispute, *, now: datetime, until_deadline: bool = True) -> None:
    if dispute.status == DisputeStatus.RESOLVED:
        raise DomainError("dispute_resolved", "This dispute is resolved already.", status=409)
    if until_deadline and now >= dispute.deadline:
        raise DomainError(
            "deadline_passed",
            "The deadline for this step has passed; its default outcome applies.",
            status=409,
        )


def _audit(dispute: Dispute, actor: User | None, action: str, now: datetime, **detail) -> None:
    AuditEntry.objects.create(
        dispute=dispute, actor=actor, action=action, detail=detail, created_at=now
    )


def _save(dispute: Dispute, *fields: str) -> None:
    dispute.save(update_fields=list(fields))


# Mediators and resolution


def _live_assignment(dispute: Dispute) -> Assignment | None:
    return (
        Assignment.objects.select_related("mediator__user")
        .filter(dispute=dispute, ended_at__isnull=True)
        .first()
    )


def _assign(dispute: Dispute, *, stage: str, now: datetime) -> None:
    """Give the dispute to a neutral mediator and set its deadline to their due time; with
    nobody eligible, keep it as it is, try again in 24 hours, and alert staff."""
    assignment = mediator_assign(
        dispute, stage=stage, now=now, due_at=now + _hours("HEADSTRT_MEDIATION_HOURS")
    )
    if assignment is None:
        dispute.deadline = now + NO_MEDIATOR_RETRY
        _audit(dispute, None, "no_mediator", now, stage=stage)
        staff = list(User.objects.filter(is_staff=True, is_active=True))
        notices.no_mediator(dispute, staff)
        return
    dispute.deadline = assignment.due_at
    _audit(
        dispute,
        None,
        "mediator_assigned",
        now,
        stage=stage,
        mediator=assignment.mediator.user.public_id,
        due_at=assignment.due_at.isoformat(),
    )
    notices.mediator_assigned(dispute, assignment)


def _resolve(
    dispute: Dispute,
    *,
    remedy: str,
    mentor_percent: int,
    by_default: bool,
    now: datetime,
    actor: User | None,
    how: str,
) -> None:
    """Resolve the dispute and settle its escrow as resolved, in the same transaction."""
    Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).update(
        ended_at=now, end_reason="decided"
    )
    dispute.status = DisputeStatus.RESOLVED
    dispute.resolution, dispute.mentor_percent = remedy, mentor_percent
    dispute.resolved_by_default, dispute.resolved_at = by_default, now
    _save(dispute, "status", "resolution", "mentor_percent", "resolved_by_default", "resolved_at")
    posted = escrow_settle(booking=dispute.booking, mentor_percent=mentor_percent)
    _audit(
        dispute,
        actor,
        "resolved",
        now,
        how=how,
        remedy=remedy,
        mentor_percent=mentor_percent,
        by_default=by_default,
        settlement=posted.public_id if posted is not None else "",
    )
    notices.resolved(dispute)


# Opening and responding


def _booking_for_update(booking_id: object, user: User) -> Booking:
    if not isinstance(booking_id, str):
        raise NotFound("No such session.")
    found = (
        Booking.objects.filter(public_id=booking_id)
        .values_list("mentee_id", "mentor__user_id")
        .first()
    )
    if found is None or user.pk not in found:
        raise NotFound("No such session.")
    _lock_people(*found)
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("mentor__user", "mentee")
        .get(public_id=booking_id)
    )


@transaction.atomic
def dispute_open(
    *,
    user: User,
    booking_id: object,
    reason: object,
    description: object,
    wanted: object,
    wanted_mentor_percent: object = None,
) -> Dispute:
    """A participant opens a dispute about a session, from its start until the dispute
    window after its end closes. The session's escrow freezes at once; the other side has
    ``HEADSTRT_DISPUTE_RESPONSE_HOURS`` to respond, or the dispute is resolved as asked."""
    booking = _booking_for_update(booking_id, user)
    now = clock.now()
    refusal = dispute_open_refusal(booking=booking, user=user, now=now)
    if refusal is not None:
        raise refusal
    reason = _choice(reason, DisputeReason, field="reason", label="The reason")
    description = _text(description, field="description", label="The description")
    wanted, percent = _remedy(wanted, wanted_mentor_percent, field="wanted_mentor_percent")
    opener_party = booking.party_of(user)
    dispute = Dispute.objects.create(
        booking=booking,
        opener=user,
        opener_party=opener_party,
        respondent=booking.mentee if opener_party == "mentor" else booking.mentor.user,
        reason=reason,
        description=description,
        wanted=wanted,
        wanted_mentor_percent=percent,
        deadline=now + _hours("HEADSTRT_DISPUTE_RESPONSE_HOURS"),
        created_at=now,
    )
    frozen = escrow_freeze(booking=booking)
    _audit(
        dispute,
        user,
        "opened",
        now,
        reason=reason,
        wanted=wanted,
        wanted_mentor_percent=percent,
        frozen_minor=frozen,
        currency=booking.currency,
    )
    notices.opened(dispute)
    return dispute


@transaction.atomic
def dispute_respond(*, user: User, dispute_id: object, text: object) -> Dispute:
    """The respondent gives their account, once and before the deadline; a neutral mediator
    then takes the case."""
    dispute, role = _case_for_update(dispute_id, user)
    if role != "respondent":
        raise PermissionDenied("Only the other side of the dispute can respond to it.")
    if dispute.responded_at is not None:
        raise DomainError("already_responded", "You have responded already.", status=409)
    now = clock.now()
    _still_open(dispute, now=now)
    text = _text(text, field="text", label="Your response")
    dispute.response, dispute.responded_at = text, now
    dispute.status = DisputeStatus.IN_MEDIATION
    _audit(dispute, user, "responded", now)
    notices.responded(dispute)
    _assign(dispute, stage=Stage.FIRST, now=now)
    _save(dispute, "response", "responded_at", "status", "deadline")
    return dispute


# Evidence and messages


def _people_on_case(dispute: Dispute) -> list[User]:
    live = _live_assignment(dispute)
    people = [dispute.opener, dispute.respondent]
    return people + [live.mediator.user] if live is not None else people


def _may_add(dispute: Dispute, role: str, *, now: datetime) -> None:
    if role not in (*PARTY_ROLES, "mediator"):
        if role == "past_mediator":
            raise _not_your_case()
        raise PermissionDenied("Only the parties and the case's mediator can add to it.")
    _still_open(dispute, now=now, until_deadline=False)


@transaction.atomic
def evidence_add(
    *, user: User, dispute_id: object, text: object = "", upload: UploadedFile | None = None
) -> Evidence:
    """A party or the live mediator adds text and/or one file (PDF, PNG, JPEG, WebP or plain
    text, checked by content, at most 10 MB) while the dispute is open. A refused file
    leaves nothing behind."""
    dispute, role = _case_for_update(dispute_id, user)
    now = clock.now()
    _may_add(dispute, role, now=now)
    if text is None:
        text = ""
    if not isinstance(text, str) or len(text.strip()) > MAX_TEXT:
        raise _invalid(f"The text is at most {MAX_TEXT:,} characters.", "text")
    text = text.strip()
    checked = evidence_file_check(upload) if upload else None
    if not text and checked is None:
        raise _invalid("Add a text, a file, or both.", "text")
    evidence = Evidence(dispute=dispute, author=user, text=text, created_at=now)
    if checked is not None:
        evidence.file_name, evidence.content_type = checked.name, checked.content_type
        stored = f"{dispute.public_id}/{new_public_id()}{checked.extension}"
        evidence.file.save(stored, ContentFile(checked.content), save=False)
    try:
        evidence.save()
        _audit(
            dispute,
            user,
            "evidence_added",
            now,
            evidence=evidence.public_id,
            file_name=evidence.file_name,
            content_type=evidence.content_type,
        )
    except Exception:
        if evidence.file:
            evidence.file.delete(save=False)  # nothing is kept of a step that failed
        raise
    notices.evidence_added(dispute, user, _people_on_case(dispute))
    return evidence


@transaction.atomic
def dispute_message_send(*, user: User, dispute_id: object, body: object) -> Message:
    """A party or the live mediator writes to everyone on the case while it is open. The
    message goes into the dispute's conversation, which tells the others on the case and
    has it audited (``dispute_message_record``)."""
    dispute, role = _case_for_update(dispute_id, user)
    _may_add(dispute, role, now=clock.now())
    body = _text(body, field="body", label="The message")
    conversation = conversation_open(user=user, dispute_id=dispute.public_id)
    return message_post(user=user, conversation_id=conversation.public_id, body=body)


def dispute_message_record(*, dispute: Dispute, author: User, message: Message) -> None:
    """Audit a message written in the dispute's conversation, whether from the case page,
    the conversation page or the API (called by ``message_post`` in its transaction)."""
    _audit(dispute, author, "message_sent", message.created_at, message=message.public_id)


# Proposals, acceptance and appeal


@transaction.atomic
def proposal_make(
    *,
    mediator_user: User,
    dispute_id: object,
    remedy: object,
    mentor_percent: object = None,
    reasons: object,
) -> Proposal:
    """The live mediator proposes a resolution with reasons (first stage: the parties then
    accept or appeal) or decides an appeal (final: the dispute is resolved so)."""
    dispute, role = _case_for_update(dispute_id, mediator_user)
    if role != "mediator":
        raise _not_your_case()
    now = clock.now()
    _still_open(dispute, now=now)
    remedy, percent = _remedy(remedy, mentor_percent, field="mentor_percent")
    reasons = _text(reasons, field="reasons", label="The reasons")
    assignment = _live_assignment(dispute)
    proposal = Proposal.objects.create(
        dispute=dispute,
        assignment=assignment,
        remedy=remedy,
        mentor_percent=percent,
        reasons=reasons,
        created_at=now,
    )
    assignment.ended_at, assignment.end_reason = now, "decided"
    assignment.save(update_fields=["ended_at", "end_reason"])
    if assignment.stage == Stage.APPEAL:
        _audit(dispute, mediator_user, "decided", now, remedy=remedy, mentor_percent=percent)
        _resolve(
            dispute,
            remedy=remedy,
            mentor_percent=percent,
            by_default=False,
            now=now,
            actor=mediator_user,
            how="appeal_decision",
        )
        return proposal
    dispute.status = DisputeStatus.PROPOSED
    dispute.deadline = now + _hours("HEADSTRT_PROPOSAL_HOURS")
    _save(dispute, "status", "deadline")
    _audit(dispute, mediator_user, "proposed", now, remedy=remedy, mentor_percent=percent)
    notices.proposed(dispute, proposal)
    return proposal


def _proposal_answerable(dispute: Dispute, role: str, user: User, *, now: datetime) -> Proposal:
    if role not in PARTY_ROLES:
        raise _only_parties()
    _still_open(dispute, now=now, until_deadline=False)
    if dispute.status != DisputeStatus.PROPOSED:
        raise DomainError(
            "nothing_proposed", "There is no proposed resolution to answer now.", status=409
        )
    _still_open(dispute, now=now)
    proposal = Proposal.objects.select_for_update(of=("self",)).get(
        dispute=dispute, assignment__stage=Stage.FIRST
    )
    if proposal_accepted_by(proposal, dispute, user):
        raise DomainError("already_accepted", "You accepted this proposal already.", status=409)
    return proposal


@transaction.atomic
def proposal_accept(*, user: User, dispute_id: object) -> Dispute:
    """A party accepts the proposal; once both have, the dispute is resolved so."""
    dispute, role = _case_for_update(dispute_id, user)
    now = clock.now()
    proposal = _proposal_answerable(dispute, role, user, now=now)
    if user.pk == dispute.booking.mentee_id:
        proposal.mentee_accepted_at = now
    else:
        proposal.mentor_accepted_at = now
    proposal.save(update_fields=["mentee_accepted_at", "mentor_accepted_at"])
    _audit(dispute, user, "accepted", now)
    if proposal.mentee_accepted_at is None or proposal.mentor_accepted_at is None:
        notices.accepted(dispute, user)
        return dispute
    _resolve(
        dispute,
        remedy=proposal.remedy,
        mentor_percent=proposal.mentor_percent,
        by_default=False,
        now=now,
        actor=user,
        how="accepted",
    )
    return dispute


@transaction.atomic
def proposal_appeal(*, user: User, dispute_id: object, reason: object) -> Dispute:
    """A party appeals the proposal, once per dispute: a second neutral mediator, never one
    who had the case, decides, and their decision is final."""
    dispute, role = _case_for_update(dispute_id, user)
    if role in PARTY_ROLES and dispute.appealed_by_id is not None:
        raise DomainError("already_appealed", "This dispute was appealed once already.", status=409)
    now = clock.now()
    _proposal_answerable(dispute, role, user, now=now)
    reason = _text(reason, field="reason", label="The reason for the appeal")
    dispute.appealed_by = user
    dispute.status = DisputeStatus.IN_APPEAL
    _audit(dispute, user, "appealed", now, reason=reason)
    notices.appealed(dispute, user)
    _assign(dispute, stage=Stage.APPEAL, now=now)
    _save(dispute, "appealed_by", "status", "deadline")
    return dispute


# Deadlines


def _default_apply(dispute_pk: int, *, now: datetime) -> bool:
    """Apply the default of one dispute whose deadline passed; ``False`` if another run
    did already (the row is re-read under its lock)."""
    with transaction.atomic():
        ids = Dispute.objects.values_list("opener_id", "respondent_id").get(pk=dispute_pk)
        _lock_people(*ids)
        dispute = (
            Dispute.objects.select_for_update(of=("self",))
            .select_related("booking__mentor__user", "booking__mentee", "opener", "respondent")
            .get(pk=dispute_pk)
        )
        if dispute.status not in OPEN_STATUSES or dispute.deadline > now:
            return False
        if dispute.status == DisputeStatus.AWAITING_RESPONSE:
            _resolve(
                dispute,
                remedy=dispute.wanted,
                mentor_percent=dispute.wanted_mentor_percent,
                by_default=True,
                now=now,
                actor=None,
                how="no_response",
            )
        elif dispute.status == DisputeStatus.PROPOSED:
            proposal = Proposal.objects.get(dispute=dispute, assignment__stage=Stage.FIRST)
            _resolve(
                dispute,
                remedy=proposal.remedy,
                mentor_percent=proposal.mentor_percent,
                by_default=True,
                now=now,
                actor=None,
                how="proposal_stands",
            )
        else:
            live = _live_assignment(dispute)
            if live is not None:
                live.ended_at, live.end_reason = now, "replaced"
                live.save(update_fields=["ended_at", "end_reason"])
                _audit(
                    dispute, None, "mediator_replaced", now, mediator=live.mediator.user.public_id
                )
                notices.mediator_replaced(dispute, live)
            stage = Stage.APPEAL if dispute.status == DisputeStatus.IN_APPEAL else Stage.FIRST
            if live is None and _unmediated_days(dispute, stage) >= NO_MEDIATOR_TRIES:
                _resolve_unmediated(dispute, stage=stage, now=now)
                return True
            _assign(dispute, stage=stage, now=now)
            _save(dispute, "deadline")
        return True


def _unmediated_days(dispute: Dispute, stage: str) -> int:
    """How many times no neutral mediator could be found for this stage of the dispute."""
    return AuditEntry.objects.filter(
        dispute=dispute, action="no_mediator", detail__stage=stage
    ).count()


def _resolve_unmediated(dispute: Dispute, *, stage: str, now: datetime) -> None:
    """The last default, when no neutral mediator was found for three days: an appeal
    nobody can hear leaves the first proposal standing; a first mediation nobody can take
    splits the escrow evenly. Either way the money does not stay frozen."""
    if stage == Stage.APPEAL:
        proposal = Proposal.objects.get(dispute=dispute, assignment__stage=Stage.FIRST)
        remedy, percent = proposal.remedy, proposal.mentor_percent
    else:
        remedy, percent = Remedy.SPLIT, 50
    _resolve(
        dispute,
        remedy=remedy,
        mentor_percent=percent,
        by_default=True,
        now=now,
        actor=None,
        how="no_mediator",
    )


def disputes_advance() -> int:
    """Apply the default of every open dispute whose deadline has passed, each in its own
    transaction: no response → resolved as the opener asked; a mediator past their due time
    → replaced by another neutral one; an unanswered proposal → it stands. Safe to run twice
    or from several workers at once; returns how many defaults were applied."""
    now = clock.now()
    due = (
        Dispute.objects.filter(status__in=OPEN_STATUSES, deadline__lte=now)
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )
    applied = 0
    for pk in list(due):
        try:
            applied += _default_apply(pk, now=now)
        except DomainError:
            # One dispute the ledger refuses to settle must not hold up all the others.
            logger.exception("dispute %s: its default could not be applied", pk)
    return applied
