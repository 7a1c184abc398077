"""Reads of disputes: who may see a case and act on it, the case page's record, a party's
disputes, a mediator's queue and the staff overview."""

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError, NotFound
from headstrt.disputes.models import (
    OPEN_STATUSES,
    Assignment,
    AuditEntry,
    Dispute,
    DisputeStatus,
    Evidence,
    Proposal,
    Remedy,
    Stage,
)
from headstrt.messaging.models import Attachment, Message
from headstrt.payments.statements import SessionMoney, session_money_for_participant
from headstrt.scheduling.models import Attendance, Booking, BookingStatus

_RELATED = ("booking__mentor__user", "booking__mentee", "opener", "respondent", "appealed_by")
PARTY_ROLES = ("opener", "respondent")
MEDIATING = (DisputeStatus.IN_MEDIATION, DisputeStatus.IN_APPEAL)
# Sessions that took place (or should have): the only ones a dispute can be about.
DISPUTABLE = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def _not_found() -> NotFound:
    return NotFound("No such dispute.")


def dispute_open_refusal(*, booking: Booking, user: User, now: datetime) -> DomainError | None:
    """Why ``user`` may not open a dispute about ``booking`` now, or ``None`` if they may:
    a participant, once per session, for a session that took place (or should have), from
    its start until ``HEADSTRT_DISPUTE_WINDOW_HOURS`` after its end."""
    if booking.party_of(user) is None:
        return NotFound("No such session.")
    if Dispute.objects.filter(booking=booking).exists():
        return DomainError(
            "dispute_exists", "There is already a dispute about this session.", status=409
        )
    if booking.status not in DISPUTABLE:
        return DomainError(
            "not_disputable",
            f"This session is {booking.get_status_display().lower()}, so there is nothing to "
            "dispute; its payment followed the cancellation policy.",
            status=409,
        )
    if now < booking.start:
        return DomainError(
            "session_not_started",
            "The session has not started yet. If it cannot take place, cancel or move it instead.",
            status=409,
        )
    window = settings.HEADSTRT_DISPUTE_WINDOW_HOURS
    # At the window's very end the escrow may be released, so it is closed by then.
    if now >= booking.end + timedelta(hours=window):
        return DomainError(
            "dispute_window_closed",
            f"Disputes can be opened from the start of a session until {window} hours after "
            "its end; that time has passed for this session.",
            status=409,
        )
    return None


def dispute_can_open(*, booking: Booking, user: User, now: datetime) -> bool:
    """Whether ``user`` may open a dispute about ``booking`` now (for the session page)."""
    return dispute_open_refusal(booking=booking, user=user, now=now) is None


def dispute_role(dispute: Dispute, user: User) -> str:
    """What ``user`` is on the case: ``opener``, ``respondent``, ``mediator`` (the live
    assignment's), ``past_mediator``, ``staff``, or ``""`` (nobody: they may not see it).
    One query for someone not a party."""
    if user is None or not user.is_authenticated:
        return ""
    if user.pk == dispute.opener_id:
        return "opener"
    if user.pk == dispute.respondent_id:
        return "respondent"
    turns = list(
        Assignment.objects.filter(dispute=dispute, mediator__user=user).values_list(
            "ended_at", "mediator__is_active"
        )
    )
    if turns:
        # A mediator staff deactivated keeps reading the case but no longer acts on it.
        live = any(ended is None and active for ended, active in turns)
        return "mediator" if live else "past_mediator"
    return "staff" if user.is_staff else ""


def dispute_get_for_viewer(*, dispute_id: object, user: User) -> Dispute:
    """The dispute for its parties, any mediator ever assigned to it, and staff; anyone else
    gets ``NotFound`` (whether or not it exists)."""
    if not isinstance(dispute_id, str):
        raise _not_found()
    dispute = Dispute.objects.select_related(*_RELATED).filter(public_id=dispute_id).first()
    if dispute is None or not dispute_role(dispute, user):
        raise _not_found()
    return dispute


def _first_proposal(dispute: Dispute) -> Proposal | None:
    return Proposal.objects.filter(dispute=dispute, assignment__stage=Stage.FIRST).first()


def dispute_actions(dispute: Dispute, user: User, *, now: datetime) -> set[str]:
    """What ``user`` may do on the case now: ``respond``, ``evidence``, ``message``,
    ``propose``, ``accept``, ``appeal`` (the services refuse anything else)."""
    role = dispute_role(dispute, user)
    if dispute.status not in OPEN_STATUSES or role not in (*PARTY_ROLES, "mediator"):
        return set()
    actions = {"evidence", "message"}
    before_deadline = now < dispute.deadline
    if (
        role == "respondent"
        and dispute.status == DisputeStatus.AWAITING_RESPONSE
        and dispute.responded_at is None
        and before_deadline
    ):
        actions.add("respond")
    if role == "mediator" and dispute.status in MEDIATING and before_deadline:
        actions.add("propose")
    if role in PARTY_ROLES and dispute.status == DisputeStatus.PROPOSED and before_deadline:
        proposal = _first_proposal(dispute)
        accepted = proposal is not None and proposal_accepted_by(proposal, dispute, user)
        if proposal is not None and not accepted:
            actions.add("accept")
            if dispute.appealed_by_id is None:
                actions.add("appeal")
    return actions


def proposal_accepted_by(proposal: Proposal, dispute: Dispute, user: User) -> bool:
    """Whether ``user``, a party, accepted ``proposal`` already."""
    if user.pk == dispute.booking.mentee_id:
        return proposal.mentee_accepted_at is not None
    return proposal.mentor_accepted_at is not None


def disputes_of_party(user: User) -> QuerySet[Dispute]:
    """The disputes ``user`` opened or answers, newest first."""
    return (
        Dispute.objects.filter(Q(opener=user) | Q(respondent=user))
        .select_related(*_RELATED)
        .order_by("-created_at", "-pk")
    )


def mediator_queue(user: User) -> QuerySet[Assignment]:
    """``user``'s live assignments as a mediator, the soonest due first."""
    return (
        Assignment.objects.filter(mediator__user=user, ended_at__isnull=True)
        .select_related(*(f"dispute__{name}" for name in _RELATED))
        .order_by("due_at", "pk")
    )


@dataclass(frozen=True)
class DisputeCase:
    """Everything the case page shows, read in a fixed number of queries (eight)."""

    booking: Booking
    attendance: list[Attendance]
    money: SessionMoney
    messages: list[Message]
    evidence: list[Evidence]
    proposals: list[Proposal]
    assignments: list[Assignment]
    audit: list[AuditEntry]

    @property
    def proposal(self) -> Proposal | None:
        """The first mediator's proposal, if made."""
        return next((p for p in self.proposals if p.assignment.stage == Stage.FIRST), None)

    @property
    def decision(self) -> Proposal | None:
        """The appeal mediator's final decision, if made."""
        return next((p for p in self.proposals if p.assignment.stage == Stage.APPEAL), None)

    @property
    def live_assignment(self) -> Assignment | None:
        return next((a for a in self.assignments if a.ended_at is None), None)


def dispute_case(dispute: Dispute) -> DisputeCase:
    """The record of the case for someone allowed to see it (``dispute_get_for_viewer``
    first): the session, who joined its video room and when, its money, the messages,
    evidence, proposals, mediators' turns and the audit log, oldest first."""
    booking = dispute.booking
    return DisputeCase(
        booking=booking,
        attendance=list(
            Attendance.objects.filter(booking=booking)
            .select_related("person")
            .order_by("joined_at", "pk")
        ),
        # The money as the session's mentee reads it; the viewer's access was checked.
        money=session_money_for_participant(booking=booking, user=booking.mentee),
        # The dispute's conversation, but what staff removed on a report, with its files.
        messages=list(
            Message.objects.filter(conversation__dispute=dispute, hidden_at__isnull=True)
            .select_related("author")
            .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
            .order_by("created_at", "pk")
        ),
        evidence=list(dispute.evidence.select_related("author").order_by("created_at", "pk")),
        proposals=list(
            dispute.proposals.select_related("assignment__mediator__user").order_by(
                "created_at", "pk"
            )
        ),
        assignments=list(
            dispute.assignments.select_related("mediator__user").order_by("assigned_at", "pk")
        ),
        audit=list(dispute.audit.select_related("actor").order_by("created_at", "pk")),
    )


def evidence_file_for_viewer(*, evidence_id: object, user: User) -> Evidence:
    """An evidence item with a file, for someone who may see its dispute; else ``NotFound``."""
    if not isinstance(evidence_id, str):
        raise NotFound("No such file.")
    evidence = (
        Evidence.objects.select_related("dispute")
        .filter(public_id=evidence_id)
        .exclude(file="")
        .first()
    )
    if evidence is None or not dispute_role(evidence.dispute, user):
        raise NotFound("No such file.")
    return evidence


# Staff overview

AGE_BUCKETS = ((24, "under a day"), (72, "1–3 days"), (168, "3–7 days"), (None, "over a week"))
OLDEST_SHOWN = 50


@dataclass(frozen=True)
class DisputesOverview:
    """Open disputes by age and status, time to resolution and outcomes.

    ``median_hours``/``p95_hours`` are from opening to resolution (``None`` until one is
    resolved); ``share_by_default`` is the part of resolved disputes settled by a deadline's
    default; ``outcomes`` counts resolutions by remedy."""

    open_count: int
    by_status: dict[str, int]
    age_buckets: list[tuple[str, int]]
    oldest_open: list[Dispute]
    resolved_count: int
    median_hours: float | None
    p95_hours: float | None
    share_by_default: float | None
    outcomes: dict[str, int]


def hours_percentile(hours: list[float], percent: int) -> float | None:
    """The ``percent``-th percentile of ``hours`` by nearest rank (``None`` when empty)."""
    if not hours:
        return None
    ordered = sorted(hours)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def disputes_overview(*, now: datetime) -> DisputesOverview:
    """The staff's view of all disputes (the caller checks the viewer is staff). Three
    queries: open disputes, counts by status, and resolved disputes' times and outcomes."""
    open_disputes = list(
        Dispute.objects.filter(status__in=OPEN_STATUSES)
        .select_related(*_RELATED)
        .order_by("created_at", "pk")
    )
    by_status = {status.value: 0 for status in DisputeStatus}
    for row in Dispute.objects.order_by().values("status").annotate(n=Count("pk")):
        by_status[row["status"]] = row["n"]
    buckets = {label: 0 for _, label in AGE_BUCKETS}
    for dispute in open_disputes:
        age = (now - dispute.created_at).total_seconds() / 3600
        label = next(label for limit, label in AGE_BUCKETS if limit is None or age < limit)
        buckets[label] += 1
    resolved = list(
        Dispute.objects.filter(status=DisputeStatus.RESOLVED).values_list(
            "created_at", "resolved_at", "resolution", "resolved_by_default"
        )
    )
    hours = [(done - opened).total_seconds() / 3600 for opened, done, _, _ in resolved]
    outcomes = {remedy.value: 0 for remedy in Remedy}
    for _, _, resolution, _ in resolved:
        outcomes[resolution] += 1
    by_default = sum(1 for *_, default in resolved if default)
    return DisputesOverview(
        open_count=len(open_disputes),
        by_status=by_status,
        age_buckets=list(buckets.items()),
        oldest_open=open_disputes[:OLDEST_SHOWN],
        resolved_count=len(resolved),
        median_hours=statistics.median(hours) if hours else None,
        p95_hours=hours_percentile(hours, 95),
        share_by_default=by_default / len(resolved) if resolved else None,
        outcomes=outcomes,
    )


def person_in_dispute_record(user: User) -> bool:
    """Whether ``user`` appears in any dispute's record: as a party, a mediator, or the
    author of a message or evidence (the record is kept, so their account must be too)."""
    return (
        Dispute.objects.filter(Q(opener=user) | Q(respondent=user)).exists()
        or Assignment.objects.filter(mediator__user=user).exists()
        or Message.objects.filter(author=user, conversation__dispute__isnull=False).exists()
        or Evidence.objects.filter(author=user).exists()
    )
