"""Shared steps of the dispute tests: opening, answering and deciding through the services,
the state of everything a refused step could change, and the money a settlement moved."""

from headstrt.disputes import services
from headstrt.disputes.models import (
    Assignment,
    AuditEntry,
    Dispute,
    Evidence,
    Proposal,
)
from headstrt.messaging.models import Message, Notification
from headstrt.payments.models import AccountKind, LedgerAccount, LedgerTransaction, Refund
from tests.payments.flows import money_state


def open_dispute(booking, by, wanted="refund", percent=None, **extra) -> Dispute:
    return services.dispute_open(
        user=by,
        booking_id=booking.public_id,
        reason=extra.pop("reason", "quality"),
        description=extra.pop("description", "The mentor spent the session on their phone."),
        wanted=wanted,
        wanted_mentor_percent=percent,
        **extra,
    )


def respond(dispute, text="I answered every question; the notes are attached.") -> Dispute:
    return services.dispute_respond(
        user=dispute.respondent, dispute_id=dispute.public_id, text=text
    )


def live_mediator(dispute):
    """The user of the dispute's live assignment (``None`` if nobody has it)."""
    live = Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).first()
    return live.mediator.user if live is not None else None


def propose(dispute, remedy="split", percent=50, reasons="Both sides share the blame.", by=None):
    return services.proposal_make(
        mediator_user=by or live_mediator(dispute),
        dispute_id=dispute.public_id,
        remedy=remedy,
        mentor_percent=percent,
        reasons=reasons,
    )


def fresh(dispute) -> Dispute:
    return Dispute.objects.select_related("booking", "opener", "respondent").get(pk=dispute.pk)


def case_state() -> tuple:
    """Every row a dispute step could write, money included, to show a refused step wrote
    none."""
    return (
        sorted(Dispute.objects.values_list()),
        sorted(Assignment.objects.values_list()),
        sorted(Proposal.objects.values_list()),
        sorted(Evidence.objects.values_list()),
        sorted(Message.objects.values_list()),
        sorted(AuditEntry.objects.values_list("pk", "dispute_id", "actor_id", "action")),
        Notification.objects.count(),
        money_state(),
    )


def settlement(booking):
    """The dispute settlement postings of ``booking``."""
    return list(
        LedgerTransaction.objects.filter(kind="dispute_settlement", booking_ref=booking.public_id)
    )


def expected_split(paid: int, mentor_percent: int) -> tuple[int, int]:
    """(to the mentor before the fee, back to the mentee): the share rounded half up."""
    to_mentor = (2 * paid * mentor_percent + 100) // 200
    return to_mentor, paid - to_mentor


def settled_as(booking, mentor_percent: int, paid: int) -> bool:
    """Whether ``booking``'s escrow was settled exactly once and exactly as ``mentor_percent``
    says: one posting, the refund of the mentee's part, an empty unfrozen escrow."""
    postings = settlement(booking)
    to_mentor, refund = expected_split(paid, mentor_percent)
    escrow = LedgerAccount.objects.get(kind=AccountKind.ESCROW, booking_ref=booking.public_id)
    refunds = list(
        Refund.objects.filter(key=f"booking:{booking.public_id}:dispute_refund").values_list(
            "amount_minor", flat=True
        )
    )
    out_to_mentor = -sum(
        entry.amount_minor
        for posting in postings
        for entry in posting.entries.all()
        if entry.account_id == escrow.pk
    ) - sum(refunds)
    return (
        len(postings) == 1
        and refunds == ([refund] if refund else [])
        and out_to_mentor == to_mentor
        and escrow.balance_minor == 0
        and not escrow.frozen
    )
