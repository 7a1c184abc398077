"""Statements: what a mentor earned, holds in escrow and was paid out, what a mentee paid and
got back, their CSV export; where one session's money is; the staff's view of the ledger.

Each statement reads only its person's own money: a mentor's ledger accounts and the escrow
of sessions booked with them, a mentee's charges and their refunds. Figures come from the
ledger (the mentor's) or from the charges themselves (the mentee's, which includes declined
attempts the ledger never sees), in a fixed number of queries however long the history.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from babel.numbers import format_currency
from django.db.models import Q, Subquery

from headstrt.accounts.models import User
from headstrt.core.errors import NotFound
from headstrt.core.money import Money
from headstrt.payments.ledger import Reconciliation, account_key, ledger_reconcile
from headstrt.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentKind,
    PaymentStatus,
    Refund,
)
from headstrt.payments.services import fee_for
from headstrt.scheduling.models import Booking, BookingStatus, Party
from headstrt.scheduling.services.bookings import FREE_CHANGE_HOURS

# A refund's line status: its own states are named like a charge's.
REFUND_STATUSES = {
    PaymentStatus.SUCCEEDED: "refunded",
    PaymentStatus.PENDING: "refund_pending",
    PaymentStatus.FAILED: "refund_failed",
}
# What a line is, as people read it.
KIND_LABELS = {
    "session": "Session",
    "tip": "Tip",
    "payout": "Payout",
    "payment": "Session payment",
    "panel_payment": "Panel payment",
    "answers_payment": "Written answers payment",
    "answer": "Written answer",
    "refund": "Refund",
    "adjustment": "Adjustment",
}
# Where a line's money is, as people read it.
STATUS_LABELS = {
    "released": "Released to you",
    "settled": "Settled after a dispute",
    "in_escrow": "In escrow",
    "frozen": "Frozen: dispute open",
    "received": "Received",
    "paid_out": "Paid out",
    "paid": "Paid",
    "refunded": "Refunded",
    "partly_refunded": "Partly refunded",
    "pending": "Being checked with your bank",
    "refund_pending": "On its way back to you",
    "refund_failed": "Refund failed: we are on it",
    "declined": "Declined",
    "failed": "Failed",
}
CSV_HEADER = [
    "date",
    "kind",
    "session",
    "session_start",
    "other_person",
    "gross",
    "fee",
    "net",
    "currency",
    "status",
]
# Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class StatementLine:
    """One movement of the person's money.

    For a mentor ``gross`` is the amount before the platform fee, ``fee`` what the platform
    kept and ``net`` what changed in their earnings (a payout is negative). For a mentee
    ``gross`` is what was charged (a refund is negative) and ``fee`` the platform's part
    already included in it, so ``net`` equals ``gross``.
    """

    date: datetime
    kind: str
    booking_id: str
    session_start: datetime | None
    other: str
    gross: Money
    fee: Money
    net: Money
    status: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.replace("_", " ").capitalize())


@dataclass(frozen=True)
class MentorCurrencyStatement:
    """A mentor's money in one currency: ``available`` in their earnings (not paid out
    yet), ``pending`` in the escrow of their sessions, ``paid_out`` so far."""

    currency: str
    available: Money
    pending: Money
    paid_out: Money
    lines: list[StatementLine] = field(default_factory=list)


@dataclass(frozen=True)
class MenteeCurrencyStatement:
    """A mentee's money in one currency: ``paid`` in successful charges, ``refunded`` back
    to them, ``net`` the difference."""

    currency: str
    paid: Money
    refunded: Money
    net: Money
    lines: list[StatementLine] = field(default_factory=list)


@dataclass(frozen=True)
class Statement:
    """A person's statement as ``role`` (mentor or mentee), one section per currency."""

    role: str
    currencies: list

    @property
    def lines(self) -> list[StatementLine]:
        """Every line of every currency, newest first."""
        return _newest_first(line for section in self.currencies for line in section.lines)


def amount_display(money: Money, locale: str = "en") -> str:
    """An amount as a statement shows it: zero reads "€0.00" (not "Free"), a refund or a
    payout keeps its minus sign."""
    return format_currency(money.major, money.currency, locale=locale)


def _newest_first(lines: Iterable[StatementLine]) -> list[StatementLine]:
    return sorted(lines, key=lambda line: line.date, reverse=True)


def _other_name(user: User | None) -> str:
    return user.display_name if user is not None else "Deleted account"


# --- mentors -----------------------------------------------------------------------------------


def _mentor_line_kind(transaction_kind: str, booking_ref: str, amount: int) -> tuple[str, str]:
    """The line kind and status of an entry on a mentor's earnings."""
    if transaction_kind == "tip":
        return "tip", "received"
    if transaction_kind.startswith("payout"):
        return "payout", "paid_out"
    if transaction_kind == "dispute_settlement":
        return "session", "settled"
    if transaction_kind == "answer_release":
        return "answer", "released"
    if booking_ref and amount > 0:
        return "session", "released"
    return "adjustment", transaction_kind


def _pending_fee(payment: Payment | None, held: int) -> int:
    """The fee the platform will keep from ``held`` minor units of escrow: the fee fixed at
    checkout, in proportion when only part of the price is still held (half rounded up)."""
    if payment is None or not payment.amount_minor:
        return 0
    if held >= payment.amount_minor:
        return payment.fee_minor
    return (2 * payment.fee_minor * held + payment.amount_minor) // (2 * payment.amount_minor)


def mentor_statement(*, user: User) -> Statement:
    """``user``'s money as a mentor, per currency: earnings available, pending in escrow,
    paid out, and every line (releases, tips, payouts, sessions still in escrow).

    At most six queries, whatever the number of lines.
    """
    own_accounts = list(
        LedgerAccount.objects.filter(
            owner=user, kind__in=[AccountKind.MENTOR_EARNINGS, AccountKind.PAYOUTS]
        )
    )
    earnings_entries = list(
        LedgerEntry.objects.filter(
            account__owner=user, account__kind=AccountKind.MENTOR_EARNINGS
        ).select_related("transaction")
    )
    fees: dict[int, int] = defaultdict(int)
    if earnings_entries:
        for transaction_id, amount in LedgerEntry.objects.filter(
            transaction_id__in={entry.transaction_id for entry in earnings_entries},
            account__kind=AccountKind.PLATFORM_FEES,
        ).values_list("transaction_id", "amount_minor"):
            fees[transaction_id] += amount
    own_bookings = Booking.objects.filter(mentor__user=user)
    # Money waiting for the mentor: sessions to come, done, or missed by the mentee. A
    # request not accepted yet, or a session the mentor missed, would go back to the mentee.
    earning = own_bookings.filter(
        Q(status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED])
        | Q(status=BookingStatus.NO_SHOW, no_show_party=Party.MENTEE)
    )
    escrows = list(
        LedgerAccount.objects.filter(
            kind=AccountKind.ESCROW,
            balance_minor__gt=0,
            booking_ref__in=Subquery(earning.values("public_id")),
        )
    )
    refs = {entry.transaction.booking_ref for entry in earnings_entries} | {
        escrow.booking_ref for escrow in escrows
    }
    refs.discard("")
    bookings = {
        booking.public_id: booking
        for booking in own_bookings.filter(public_id__in=refs).select_related("mentee")
    }
    payments: dict[int, Payment] = {}
    if escrows:
        held = [bookings[escrow.booking_ref].pk for escrow in escrows]
        # A panel's one charge pays every mentor's part; its fee is in proportion too.
        panels = {bookings[escrow.booking_ref].panel_id for escrow in escrows} - {None}
        found = Payment.objects.filter(status=PaymentStatus.SUCCEEDED).filter(
            Q(kind=PaymentKind.SESSION, booking__in=held)
            | Q(kind=PaymentKind.PANEL, panel__in=panels)
        )
        by_panel = {payment.panel_id: payment for payment in found if payment.panel_id}
        payments = {payment.booking_id: payment for payment in found if payment.booking_id}
        for escrow in escrows:
            booking = bookings[escrow.booking_ref]
            if booking.panel_id in by_panel:
                payments[booking.pk] = by_panel[booking.panel_id]

    lines: dict[str, list[StatementLine]] = defaultdict(list)
    for entry in earnings_entries:
        posted = entry.transaction
        booking = bookings.get(posted.booking_ref)
        kind, status = _mentor_line_kind(posted.kind, posted.booking_ref, entry.amount_minor)
        fee = fees.get(entry.transaction_id, 0) if kind in ("session", "answer") else 0
        lines[entry.currency].append(
            StatementLine(
                date=posted.created_at,
                kind=kind,
                booking_id=posted.booking_ref,
                session_start=booking.start if booking else None,
                other=_other_name(booking.mentee) if booking else "",
                gross=Money(entry.amount_minor + fee, entry.currency),
                fee=Money(fee, entry.currency),
                net=Money(entry.amount_minor, entry.currency),
                status=status,
            )
        )
    pending: dict[str, int] = defaultdict(int)
    for escrow in escrows:
        booking = bookings[escrow.booking_ref]
        payment = payments.get(booking.pk)
        fee = _pending_fee(payment, escrow.balance_minor)
        pending[escrow.currency] += escrow.balance_minor
        lines[escrow.currency].append(
            StatementLine(
                date=payment.created_at if payment else booking.created_at,
                kind="session",
                booking_id=booking.public_id,
                session_start=booking.start,
                other=_other_name(booking.mentee),
                gross=Money(escrow.balance_minor, escrow.currency),
                fee=Money(fee, escrow.currency),
                net=Money(escrow.balance_minor - fee, escrow.currency),
                status="frozen" if escrow.frozen else "in_escrow",
            )
        )

    balances: dict[tuple[str, str], int] = defaultdict(int)
    for account in own_accounts:
        balances[(account.kind, account.currency)] += account.balance_minor
    currencies = sorted({currency for _, currency in balances} | set(pending) | set(lines))
    return Statement(
        role="mentor",
        currencies=[
            MentorCurrencyStatement(
                currency=currency,
                available=Money(balances[(AccountKind.MENTOR_EARNINGS, currency)], currency),
                pending=Money(pending[currency], currency),
                paid_out=Money(balances[(AccountKind.PAYOUTS, currency)], currency),
                lines=_newest_first(lines[currency]),
            )
            for currency in currencies
        ],
    )


# --- mentees -----------------------------------------------------------------------------------


def _payment_status(payment: Payment) -> str:
    if payment.status != PaymentStatus.SUCCEEDED:
        return payment.status
    if payment.refunded_minor and payment.refunded_minor >= payment.amount_minor:
        return "refunded"
    if payment.refunded_minor:
        return "partly_refunded"
    return "paid"


_MENTEE_LINE_KINDS = {
    PaymentKind.SESSION: "payment",
    PaymentKind.TIP: "tip",
    PaymentKind.PANEL: "panel_payment",
    PaymentKind.ANSWERS: "answers_payment",
}


def mentee_statement(*, user: User) -> Statement:
    """``user``'s money as a mentee, per currency: what they paid (sessions and tips),
    what came back (refunds), and every charge, declined ones included.

    Two queries, whatever the number of lines.
    """
    payments = list(Payment.objects.filter(payer=user).select_related("booking__mentor__user"))
    refunds = list(
        Refund.objects.filter(payment__payer=user).select_related("payment__booking__mentor__user")
    )
    lines: dict[str, list[StatementLine]] = defaultdict(list)
    paid: dict[str, int] = defaultdict(int)
    refunded: dict[str, int] = defaultdict(int)
    for payment in payments:
        booking = payment.booking
        currency = payment.currency
        if payment.status == PaymentStatus.SUCCEEDED:
            paid[currency] += payment.amount_minor
        lines[currency].append(
            StatementLine(
                date=payment.created_at,
                kind=_MENTEE_LINE_KINDS[payment.kind],
                booking_id=booking.public_id if booking else "",
                session_start=booking.start if booking else None,
                other=_other_name(booking.mentor.user) if booking else "",
                gross=Money(payment.amount_minor, currency),
                fee=Money(payment.fee_minor, currency),
                net=Money(payment.amount_minor, currency),
                status=_payment_status(payment),
            )
        )
    for refund in refunds:
        booking = refund.payment.booking
        currency = refund.payment.currency
        # Decided refunds count once the money left escrow (in the same transaction);
        # the provider may still be sending it back.
        if refund.status != PaymentStatus.FAILED:
            refunded[currency] += refund.amount_minor
        lines[currency].append(
            StatementLine(
                date=refund.created_at,
                kind="refund",
                booking_id=booking.public_id if booking else "",
                session_start=booking.start if booking else None,
                other=_other_name(booking.mentor.user) if booking else "",
                gross=Money(-refund.amount_minor, currency),
                fee=Money(0, currency),
                net=Money(-refund.amount_minor, currency),
                status=REFUND_STATUSES.get(refund.status, refund.status),
            )
        )
    return Statement(
        role="mentee",
        currencies=[
            MenteeCurrencyStatement(
                currency=currency,
                paid=Money(paid[currency], currency),
                refunded=Money(refunded[currency], currency),
                net=Money(paid[currency] - refunded[currency], currency),
                lines=_newest_first(lines[currency]),
            )
            for currency in sorted(lines)
        ],
    )


# --- one session ------------------------------------------------------------------------------

REFUND_POLICY = (
    f"Free cancellation until {FREE_CHANGE_HOURS} hours before the start; later, half the "
    "price is refunded. If the mentor cancels, declines or does not come, you get it all back."
)


@dataclass(frozen=True)
class SessionMoney:
    """A session's price and where its money is.

    ``fee`` is the platform's part included in the price (fixed at payment, else what it
    would be now) and ``mentor_receives`` the rest. ``status``: ``free``, ``unpaid``,
    ``pending``, ``declined``, ``in_escrow``, ``frozen``, ``released``, ``refunded`` or
    ``partly_refunded`` (the rest released to the mentor). ``tip`` is ``None`` until one
    is paid.
    """

    price: Money
    fee: Money
    mentor_receives: Money
    status: str
    paid: Money
    refunded: Money
    in_escrow: Money
    released: Money
    tip: Money | None
    refund_policy: str = REFUND_POLICY

    @property
    def status_label(self) -> str:
        return SESSION_MONEY_LABELS[self.status]


SESSION_MONEY_LABELS = {
    "free": "Free session",
    "unpaid": "Not paid yet",
    "pending": "Being checked with the bank",
    "declined": "Card declined",
    "in_escrow": "Paid, held in escrow",
    "frozen": "Paid, frozen while a dispute is open",
    "released": "Paid and released to the mentor",
    "refunded": "Refunded",
    "partly_refunded": "Partly refunded, the rest released to the mentor",
}


def session_money_for_participant(*, booking: Booking, user: User) -> SessionMoney:
    """The money of ``booking`` as its mentor or mentee sees it (``NotFound`` for anyone
    else). Two queries: the session's charges and its escrow account."""
    if booking.party_of(user) is None:
        raise NotFound("No such session.")
    currency = booking.currency
    zero = Money(0, currency)
    charges = list(Payment.objects.filter(booking=booking).order_by("-pk"))
    tip = next(
        (
            Money(charge.amount_minor, currency)
            for charge in charges
            if charge.kind == PaymentKind.TIP and charge.status == PaymentStatus.SUCCEEDED
        ),
        None,
    )
    attempts = [charge for charge in charges if charge.kind == PaymentKind.SESSION]
    paid = [a for a in attempts if a.status == PaymentStatus.SUCCEEDED]
    # A payment that arrived late and was given back in full is not the session's own.
    payment = next((a for a in paid if a.refunded_minor < a.amount_minor), None) or next(
        iter(paid), None
    )
    if payment is None:
        fee = fee_for(booking.price)
        latest = attempts[0].status if attempts else None
        if booking.price_minor == 0:
            status = "free"
        elif latest in (PaymentStatus.PENDING, PaymentStatus.DECLINED):
            status = latest
        else:
            status = "unpaid"
        return SessionMoney(
            price=booking.price,
            fee=fee,
            mentor_receives=Money(booking.price_minor - fee.minor, currency),
            status=status,
            paid=zero,
            refunded=zero,
            in_escrow=zero,
            released=zero,
            tip=tip,
        )
    escrow = LedgerAccount.objects.filter(
        key=account_key(AccountKind.ESCROW, currency, booking_ref=booking.public_id)
    ).first()
    held = escrow.balance_minor if escrow is not None else 0
    refunded = payment.refunded_minor
    released = payment.amount_minor - refunded - held
    if held:
        status = "frozen" if escrow.frozen else "in_escrow"
    elif refunded >= payment.amount_minor:
        status = "refunded"
    elif refunded:
        status = "partly_refunded"
    else:
        status = "released"
    return SessionMoney(
        price=Money(payment.amount_minor, currency),
        fee=Money(payment.fee_minor, currency),
        mentor_receives=Money(payment.amount_minor - payment.fee_minor, currency),
        status=status,
        paid=Money(payment.amount_minor, currency),
        refunded=Money(refunded, currency),
        in_escrow=Money(held, currency),
        released=Money(released, currency),
        tip=tip,
    )


# --- CSV ---------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text as a spreadsheet shows it, never run as a formula (a name may start with "=")."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _major(money: Money) -> str:
    return f"{money.major:f}"


def statement_csv(rows: Iterable[StatementLine]) -> str:
    """The lines as CSV: a header row, then one row per line; amounts in major units with
    the currency in its own column, times in UTC ISO 8601."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for line in rows:
        writer.writerow(
            [
                line.date.isoformat(),
                line.kind,
                line.booking_id,
                line.session_start.isoformat() if line.session_start else "",
                _cell(line.other),
                _major(line.gross),
                _major(line.fee),
                _major(line.net),
                line.gross.currency,
                line.status,
            ]
        )
    return out.getvalue()


# --- the whole ledger, for staff ------------------------------------------------------------


@dataclass(frozen=True)
class LedgerOverview:
    """The reconciliation of the whole ledger and how big it is."""

    reconciliation: Reconciliation
    accounts: int
    transactions: int
    entries: int

    @property
    def balanced(self) -> bool:
        return self.reconciliation.balanced


def ledger_overview() -> LedgerOverview:
    """Whether the ledger adds up (``ledger_reconcile``), with its row counts, for staff."""
    return LedgerOverview(
        reconciliation=ledger_reconcile(),
        accounts=LedgerAccount.objects.count(),
        transactions=LedgerTransaction.objects.count(),
        entries=LedgerEntry.objects.count(),
    )
