"""Money flows of sessions: paid checkout, refunds and releases as bookings change, tips,
escrow freeze and settlement.

A charge never runs inside a database transaction. The payment row (pending, with the
idempotency key the provider gets too) commits first; the provider is asked next; its
answer is applied in one transaction (payment status, ledger posting, booking confirmed).
A crash or timeout in between leaves a pending payment that a retry, the provider's
webhook or the housekeeping sweep settles with the same key, so nothing is charged twice
and nothing charged goes unrecorded. Every posting has a key naming what it is for
(``booking:<id>:release``...), so each happens once however often it is retried.
"""

import logging
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.money import MAX_SESSION_PRICE_MAJOR, Money, minor_exponent
from headstrt.payments import providers
from headstrt.payments.ledger import Leg, ledger_account, ledger_post
from headstrt.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerTransaction,
    Payment,
    PaymentKind,
    PaymentStatus,
    Refund,
)
from headstrt.payments.providers.base import ChargeResult, ProviderUnavailable
from headstrt.scheduling.models import Booking, BookingStatus, Party
from headstrt.scheduling.selectors import CLOSE_WINDOW, booking_get_for_participant
from headstrt.scheduling.services import bookings as scheduling
from headstrt.scheduling.services.bookings import is_late_change

logger = logging.getLogger(__name__)

# While the bank has not answered, the slot stays held this long, so the mentee does not
# lose it to someone else for the provider's sake.
PENDING_HOLD_MINUTES = 15
# Pending charges and refunds older than this are asked about again by the sweep; younger
# ones may still have their first call in flight.
RECHECK_AFTER = timedelta(minutes=5)
MAX_SOURCE_LENGTH = 200
# The smallest tip, in major units of the session's currency (rounded up to its minor
# unit): below it, card fees would eat most of it and providers refuse such charges.
MIN_TIP_MAJOR = Decimal("0.50")

# Booking states whose money moves as soon as the booking gets there; the others wait for
# the dispute window (``escrow_release_due``).
_SETTLED_AT_ONCE = (BookingStatus.DECLINED, BookingStatus.EXPIRED, BookingStatus.CANCELLED)
_CHECKED_OUT = (
    BookingStatus.REQUESTED,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)
# What a paid booking reads afresh: every column but the links to its people and situation,
# which paying does not change and which come with its lock.
_BOOKING_COLUMNS = [
    field.attname
    for field in Booking._meta.concrete_fields
    if field.name not in ("mentor", "mentee", "situation")
]


# Amounts


def fee_for(price: Money) -> Money:
    """The platform fee on ``price``: ``HEADSTRT_PLATFORM_FEE_PERCENT`` of it, rounded half
    up to the minor unit (so never more than the price)."""
    percent = Decimal(settings.HEADSTRT_PLATFORM_FEE_PERCENT)
    fee = (Decimal(price.minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Money(int(fee), price.currency)


def _part(amount: int, numerator: int, denominator: int) -> int:
    """``amount × numerator / denominator`` rounded half up, in integers."""
    return (2 * amount * numerator + denominator) // (2 * denominator)


def _clean_tip(amount_minor: object, currency: str) -> int:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise DomainError(
            "invalid_amount", "A tip is a whole, positive amount.", field="amount_minor"
        )
    least = int(MIN_TIP_MAJOR.scaleb(minor_exponent(currency)).to_integral_value(ROUND_CEILING))
    if amount_minor < least:
        raise DomainError(
            "invalid_amount",
            f"A tip is at least {Money(least, currency).format()}.",
            field="amount_minor",
        )
    limit = MAX_SESSION_PRICE_MAJOR * 10 ** minor_exponent(currency)
    if amount_minor > limit:
        raise DomainError(
            "invalid_amount",
            f"A tip can be at most {Money(limit, currency).format()}.",
            field="amount_minor",
        )
    return amount_minor


def _clean_source(source: object) -> str:
    if not isinstance(source, str) or not source.strip():
        raise DomainError("required", "Enter a card to pay with.", field="source")
    if len(source) > MAX_SOURCE_LENGTH:
        raise DomainError("invalid_source", "That is not a card we can charge.", field="source")
    return source.strip()


# Errors the payer sees


def _card_declined(payment: Payment) -> DomainError:
    return DomainError(
        "card_declined",
        payment.failure_message or "Your card was declined. Try another card.",
        field="source",
        status=402,
    )


def _payment_pending(payment: Payment) -> DomainError:
    # 503: the outcome is unknown because the bank (through the provider) did not answer,
    # which is a temporary condition on our side, not a mistake of the client's; retrying
    # is safe (it asks about the same charge) and is how the client learns the outcome.
    held = " Your slot stays held meanwhile." if payment.kind == PaymentKind.SESSION else ""
    return DomainError(
        "payment_pending",
        "We are checking with your bank whether the payment went through. Please don't pay "
        f"again: you will never be charged twice.{held} You can check again in a few minutes.",
        status=503,
    )


# Ledger accounts and postings


def _lock_participants(booking_pk: int, people: tuple[int, int] | None = None) -> Booking:
    """The booking, locked with its mentor and mentee rows (these in id order) as the booking
    services lock them, so money and booking changes of one session take turns. ``people``
    are the two user ids when the caller has read them already."""
    if people is None:
        people = (
            Booking.objects.filter(pk=booking_pk).values_list("mentee_id", "mentor__user_id").get()
        )
    ids = sorted(set(people))
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    # The booking row too: the expiry sweep changes bookings without the people's locks.
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("mentor__user", "mentee", "situation")
        .get(pk=booking_pk)
    )


def _escrow(payment: Payment, booking: Booking | None) -> LedgerAccount:
    # A session payment whose booking is gone (its mentee left) passes through an escrow of
    # its own on the way back to the payer.
    ref = booking.public_id if booking is not None else payment.public_id
    return ledger_account(AccountKind.ESCROW, payment.currency, booking_ref=ref)


def _wallet(payment: Payment) -> LedgerAccount:
    return ledger_account(AccountKind.MENTEE_WALLET, payment.currency, owner=payment.payer)


def _clearing(payment: Payment) -> LedgerAccount:
    return ledger_account(
        AccountKind.PROVIDER_CLEARING, payment.currency, provider=payment.provider
    )


def _earnings(booking: Booking, currency: str) -> LedgerAccount:
    return ledger_account(AccountKind.MENTOR_EARNINGS, currency, owner=booking.mentor.user)


def _legs(*legs: Leg) -> list[Leg]:
    return [leg for leg in legs if leg.amount_minor]


def charge_post(
    payment: Payment,
    parts: list[tuple[LedgerAccount, int]],
    *,
    kind: str,
    memo: str,
    booking_ref: str = "",
) -> None:
    """Post a succeeded charge, keyed by the payment: from the provider through the
    payer's wallet into ``parts`` (account, amount), which sum to the amount paid."""
    clearing, wallet, amount = _clearing(payment), _wallet(payment), payment.amount_minor
    legs = [Leg(clearing, -amount), Leg(wallet, amount), Leg(wallet, -amount)]
    legs += [Leg(account, part) for account, part in parts if part]
    ledger_post(
        key=payment.key,
        kind=kind,
        legs=legs,
        booking_ref=booking_ref,
        memo=memo,
    )


def _charge_taken(payment: Payment, booking: Booking | None, *, kept: bool = True) -> None:
    """Post the money of a succeeded charge: into the session's escrow, or for a tip
    straight into the mentor's earnings (no fee). A tip not ``kept`` (a second one) goes
    into an escrow of its own instead, to be given back from there."""
    if payment.kind == PaymentKind.TIP and booking is not None and kept:
        target, kind = _earnings(booking, payment.currency), "tip"
    elif payment.kind == PaymentKind.TIP:
        target, kind = _escrow(payment, None), "tip"
    else:
        target, kind = _escrow(payment, booking), "booking_payment"
    charge_post(
        payment,
        [(target, payment.amount_minor)],
        kind=kind,
        memo=f"{payment.get_kind_display()} paid by card",
        booking_ref=booking.public_id if booking is not None else "",
    )


def _refund_legs(payment: Payment, escrow: LedgerAccount, amount: int) -> list[Leg]:
    wallet = _wallet(payment)
    return _legs(
        Leg(escrow, -amount),
        Leg(wallet, amount),
        Leg(wallet, -amount),
        Leg(_clearing(payment), amount),
    )


def _release_legs(
    payment: Payment, booking: Booking, escrow: LedgerAccount, amount: int
) -> list[Leg]:
    """Escrow to the mentor's earnings, less the fee on the part released."""
    fee = _part(payment.fee_minor, amount, payment.amount_minor)
    fees = ledger_account(AccountKind.PLATFORM_FEES, payment.currency)
    return _legs(
        Leg(escrow, -amount),
        Leg(_earnings(booking, payment.currency), amount - fee),
        Leg(fees, fee),
    )


def _refund_record(payment: Payment, *, key: str, amount: int, reason: str) -> None:
    """The refund to send to the provider after commit; written with its posting."""
    refund, created = Refund.objects.get_or_create(
        key=key,
        defaults={
            "payment": payment,
            "amount_minor": amount,
            "reason": reason[:200],
            "created_at": clock.now(),
        },
    )
    if created:
        # The database refuses a total above the amount paid (payment_refund_at_most_paid).
        Payment.objects.filter(pk=payment.pk).update(refunded_minor=F("refunded_minor") + amount)
        from headstrt.payments.tasks import refund_send  # the tasks call back into here

        # robust: a queue that cannot be reached is logged, not raised, once the refund is
        # committed; the housekeeping sweep sends pending refunds anyway.
        transaction.on_commit(lambda: refund_send.enqueue(refund.key), robust=True)


def _refund(
    payment: Payment, booking: Booking | None, *, key: str, amount: int, reason: str
) -> None:
    escrow = _escrow(payment, booking)
    ledger_post(
        key=key,
        kind="refund",
        legs=_refund_legs(payment, escrow, amount),
        booking_ref=escrow.booking_ref,
        memo=reason,
    )
    _refund_record(payment, key=key, amount=amount, reason=reason)


# Paying for a session


def _attempt_key(prefix: str, attempt: int) -> str:
    return prefix if attempt == 1 else f"{prefix}:{attempt}"


def _open_payment(
    *, payer: User, booking: Booking, kind: str, amount: int, fee: int = 0
) -> tuple[Payment, bool]:
    """The charge to ask the provider about for a session or a tip of ``booking``: see
    ``payment_open``. Call with the booking locked."""
    return payment_open(
        prefix=f"booking:{booking.public_id}:{'payment' if kind == PaymentKind.SESSION else 'tip'}",
        attempts=Payment.objects.filter(booking=booking, kind=kind),
        payer=payer,
        kind=kind,
        amount=amount,
        fee=fee,
        currency=booking.currency,
        booking=booking,
    )


def payment_open(
    *,
    prefix: str,
    attempts,
    payer: User,
    kind: str,
    amount: int,
    currency: str,
    fee: int = 0,
    **links,
) -> tuple[Payment, bool]:
    """The charge to ask the provider about: the pending one among ``attempts`` (a retry),
    or a new attempt keyed ``prefix[:n]`` after a declined or failed one. ``True`` when it
    is new. ``links`` name what it pays for (``booking=``, ``panel=``). Call with what it
    pays for locked."""
    # Every attempt in one read: the latest, and how many there were (few, often none).
    tried = list(attempts.order_by("-pk"))
    latest = tried[0] if tried else None
    if latest is not None and latest.status == PaymentStatus.PENDING:
        if latest.amount_minor != amount:
            # The pending charge may still go through; charging another amount under its
            # key would take the earlier amount, and a new charge could take both.
            raise DomainError(
                "payment_pending_other_amount",
                f"A payment of {Money(latest.amount_minor, latest.currency).format()} is "
                "still being checked with your bank. Try again with that amount, or in a "
                "few minutes once it is settled.",
                field="amount_minor",
                status=409,
            )
        return latest, False
    payment = Payment.objects.create(
        key=_attempt_key(prefix, len(tried) + 1),
        kind=kind,
        payer=payer,
        amount_minor=amount,
        fee_minor=fee,
        currency=currency,
        provider=providers.provider().name,
        created_at=clock.now(),
        **links,
    )
    return payment, True


def _ask_provider(payment: Payment, source: str, *, fresh: bool) -> ChargeResult | None:
    """The provider's answer about the payment's charge; ``None`` when it did not answer.

    A retried payment is looked up first: the charge may have gone through although its
    answer was lost. Only a charge the provider never received is made (again) with the
    same key, so a payment is never taken twice.
    """
    gateway = providers.provider_named(payment.provider)
    try:
        if not fresh:
            known = gateway.retrieve_charge(payment.key)
            if known is not None:
                return known
        return gateway.charge(
            amount=Money(payment.amount_minor, payment.currency),
            source=source,
            key=payment.key,
            description=f"Headstrt {payment.get_kind_display().lower()} {payment.public_id}",
        )
    except ProviderUnavailable as error:
        logger.warning("payment %s: no answer from the provider (%s)", payment.key, error)
        return None


def payment_record(payment: Payment, result: ChargeResult) -> str | None:
    """Write the provider's answer on a locked payment; the new status when it changed.

    A success is always recorded, even for a payment given up on or declined before (the
    money was taken, so it must be in the ledger); a decline or failure only settles a
    pending payment. A ``pending`` answer changes nothing.
    """
    if result.status == "succeeded" and payment.status != PaymentStatus.SUCCEEDED:
        payment.status = PaymentStatus.SUCCEEDED
        payment.failure_message = ""
    elif result.status in {"declined", "failed"} and payment.status == PaymentStatus.PENDING:
        payment.status = PaymentStatus(result.status)
        payment.failure_message = result.message[:300]
    else:
        return None
    payment.provider_ref = result.provider_ref or payment.provider_ref
    payment.save(update_fields=["status", "provider_ref", "failure_message", "updated_at"])
    return payment.status


def _panel_apply():
    from headstrt.payments.panels import panel_payment_apply  # panels build on this module

    return panel_payment_apply


def _answers_apply():
    from headstrt.payments.answers import answers_payment_apply  # answers build on this module

    return answers_payment_apply


# Payments for more than one session's escrow apply their provider's answer themselves.
_OTHER_PURPOSES = {PaymentKind.PANEL: _panel_apply, PaymentKind.ANSWERS: _answers_apply}


def _payment_apply(payment_pk: int, result: ChargeResult) -> Payment:
    """Apply the provider's answer in one transaction (``payment_record``); idempotent."""
    if result.status not in {"succeeded", "declined", "failed", "pending"}:
        raise ValueError(f"unknown charge status {result.status!r}")
    kind, booking_pk, *people = Payment.objects.values_list(
        "kind", "booking_id", "booking__mentee_id", "booking__mentor__user_id"
    ).get(pk=payment_pk)
    if kind in _OTHER_PURPOSES:
        return _OTHER_PURPOSES[kind]()(payment_pk, result)
    with transaction.atomic():
        booking = _lock_participants(booking_pk, tuple(people)) if booking_pk is not None else None
        # The payer comes along (unlocked): the ledger names their wallet by them.
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("payer")
            .get(pk=payment_pk)
        )
        change = payment_record(payment, result)
        if change == PaymentStatus.SUCCEEDED:
            if payment.kind == PaymentKind.TIP:
                kept = booking is not None and _tip_first(payment, booking)
                _charge_taken(payment, booking, kept=kept)
                given_back_from = None  # the tip's own escrow
            else:
                _charge_taken(payment, booking)
                kept = _session_confirmed(payment, booking)
                given_back_from = booking
            if not kept:
                _refund(
                    payment,
                    given_back_from,
                    key=f"{payment.key}:refund",
                    amount=payment.amount_minor,
                    reason="What it paid for cannot be had any more, so the payment is given back.",
                )
        elif change is not None and payment.kind == PaymentKind.SESSION and booking is not None:
            # The hold is released: the slot is free for others, and the mentee may try
            # another card while nobody takes it.
            scheduling.booking_hold_until(
                mentee=booking.mentee, booking_id=booking.public_id, until=clock.now()
            )
    return payment


def _tip_first(payment: Payment, booking: Booking) -> bool:
    """Whether a tip that just succeeded is the session's only one kept. A second one (an
    attempt given up on, charged after all once another card paid) is given back whole."""
    return not _kept_payments(booking, PaymentKind.TIP).exclude(pk=payment.pk).exists()


def _kept_payments(booking: Booking, kind: str):
    """The booking's succeeded payments of ``kind`` not refunded in full."""
    return Payment.objects.filter(
        booking=booking, kind=kind, status=PaymentStatus.SUCCEEDED
    ).filter(refunded_minor__lt=F("amount_minor"))


def _session_confirmed(payment: Payment, booking: Booking | None) -> bool:
    """Finish the checkout the payment was for; whether the booking took the payment.

    It does while the booking still waits for it: held, or its lapsed hold's slot still
    free. A booking paid already, cancelled, or whose slot someone took, does not.
    """
    if booking is None:
        return False
    paid_already = _kept_payments(booking, PaymentKind.SESSION).exclude(pk=payment.pk).exists()
    waiting = booking.status == BookingStatus.HELD or (
        booking.status == BookingStatus.EXPIRED and booking.respond_by is None
    )
    if paid_already or not waiting:
        return False
    try:
        scheduling.booking_checkout_finish(
            mentee=booking.mentee, booking_id=booking.public_id, locked=booking
        )
    except DomainError as refused:
        logger.info("payment %s arrived too late for its booking: %s", payment.key, refused.code)
        return False
    return True


def _payment_unanswered(payment: Payment) -> None:
    """Keep the slot held a little longer while the bank is asked again."""
    if payment.kind != PaymentKind.SESSION or payment.booking_id is None:
        return
    booking = Booking.objects.select_related("mentee").get(pk=payment.booking_id)
    scheduling.booking_hold_until(
        mentee=booking.mentee,
        booking_id=booking.public_id,
        until=clock.now() + timedelta(minutes=PENDING_HOLD_MINUTES),
    )


def _participants_of(*, booking_id: object, user: User) -> tuple[int, int, tuple[int, int]]:
    """The booking's id, its price and its mentee's and mentor's user ids, when ``user`` is
    one of them; anyone else gets ``NotFound``, as from ``booking_get_for_participant``."""
    found = (
        Booking.objects.filter(public_id=booking_id)
        .values_list("pk", "price_minor", "mentee_id", "mentor__user_id")
        .first()
        if isinstance(booking_id, str)
        else None
    )
    if found is None or user.pk not in found[2:]:
        raise NotFound("No such session.")
    booking_pk, price_minor, *people = found
    return booking_pk, price_minor, tuple(people)


def booking_pay(
    *, mentee: User, booking_id: str, objective: str | None, agenda: str | None, source: str
) -> Booking:
    """Check out a held booking, paying for it with ``source`` (a card token).

    A free session is simply checked out. A paid one is checked first, exactly as a checkout
    (nothing is charged for a booking that would be refused); then the charge is made and,
    in one transaction, the price goes into escrow and the session is confirmed (or sent to
    the mentor as a request). Refusals: ``card_declined`` (402, the slot is released and
    another card may be tried while nobody takes it), ``payment_pending`` (503, the bank did
    not answer: the slot stays held; calling again asks about the same charge),
    ``already_paid`` (409), ``hold_expired`` (409, the payment is refunded in full when the
    slot was taken while it went through), and every checkout refusal.

    Must be called outside any transaction: the provider is never called inside one.
    """
    booking_pk, price_minor, people = _participants_of(booking_id=booking_id, user=mentee)
    if price_minor == 0:
        return scheduling.booking_checkout(
            mentee=mentee, booking_id=booking_id, objective=objective, agenda=agenda
        )
    source = _clean_source(source)
    try:
        with transaction.atomic(durable=True):
            booking = _lock_participants(booking_pk, people)
            if booking.mentee_id != mentee.pk:
                raise PermissionDenied("Only the mentee pays for a session.")
            paid = _kept_payments(booking, PaymentKind.SESSION)
            if booking.status in _CHECKED_OUT and paid.exists():
                raise DomainError("already_paid", "This session is paid already.", status=409)
            scheduling.booking_checkout_start(
                mentee=mentee,
                booking_id=booking_id,
                objective=objective,
                agenda=agenda,
                locked=booking,
            )
            payment, fresh = _open_payment(
                payer=mentee,
                booking=booking,
                kind=PaymentKind.SESSION,
                amount=booking.price_minor,
                fee=fee_for(booking.price).minor,
            )
    except DomainError:
        # A refused retry (the slot was taken meanwhile) still learns what became of an
        # earlier charge, so its money is refunded now rather than at the next sweep.
        pending = Payment.objects.filter(booking_id=booking_pk, status=PaymentStatus.PENDING)
        for earlier in pending:
            _recheck(earlier, give_up=False)
        raise
    result = _ask_provider(payment, source, fresh=fresh)
    if result is None or result.status == "pending":
        _payment_unanswered(payment)
        raise _payment_pending(payment)
    payment = _payment_apply(payment.pk, result)
    if payment.status == PaymentStatus.DECLINED:
        raise _card_declined(payment)
    # Read afresh, but for its people and situation, read with the lock above.
    booking.refresh_from_db(fields=_BOOKING_COLUMNS)
    if payment.status == PaymentStatus.SUCCEEDED and booking.status in _CHECKED_OUT:
        return booking
    if payment.status == PaymentStatus.SUCCEEDED:
        raise DomainError(
            "hold_expired",
            "Someone else took this slot while your payment went through, so it is refunded "
            "in full. Please pick another slot.",
            field="start",
            status=409,
        )
    raise _payment_pending(payment)


def payment_settle(*, result: ChargeResult, key: str = "", provider_ref: str = "") -> Payment:
    """Apply a late answer about a charge (a webhook, or the sweep), found by the payment's
    ``key`` or the provider's ``provider_ref``; idempotent.

    A session paid late is confirmed if its booking is still held or its slot still free,
    and refunded in full otherwise. Runs in the caller's transaction if there is one.
    """
    condition = Q(key=key) if key else Q(provider_ref=provider_ref) if provider_ref else None
    payment = Payment.objects.filter(condition).first() if condition is not None else None
    if payment is None:
        raise NotFound("No such payment.")
    return _payment_apply(payment.pk, result)


def payments_recheck_pending() -> int:
    """Ask the provider again about charges pending for a while (a lost answer, a lost
    webhook); how many got settled. A charge the provider never received is marked failed,
    which releases its hold. Call outside any transaction."""
    cutoff = clock.now() - RECHECK_AFTER
    pending = Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=cutoff)
    return sum(_recheck(payment, give_up=True) for payment in pending)


def _recheck(payment: Payment, *, give_up: bool) -> bool:
    """Ask the provider what became of a pending charge and apply the answer; whether it
    got settled. With ``give_up``, a charge the provider never received is marked failed."""
    try:
        known = providers.provider_named(payment.provider).retrieve_charge(payment.key)
    except ProviderUnavailable:
        return False
    if known is None and give_up:
        known = ChargeResult(
            status="failed", message="Your bank could not be reached; nothing was charged."
        )
    if known is None or known.status == "pending":
        return False
    return _payment_apply(payment.pk, known).status != PaymentStatus.PENDING


# Tips


def tip_send(
    *,
    mentee: User,
    booking_id: str,
    amount_minor: int,
    source: str,
    currency: str | None = None,
) -> Payment:
    """Tip the mentor of a completed session, in the session's currency; the whole tip goes
    to the mentor (no platform fee). One tip per session.

    Refusals: ``not_completed`` (409), ``already_tipped`` (409), ``invalid_amount``
    (below ``MIN_TIP_MAJOR`` or above the largest session price), ``currency_mismatch`` (a
    ``currency`` other than the session's), ``card_declined`` (402), ``payment_pending``
    (503: calling again asks about the same charge), ``payment_pending_other_amount`` (409:
    a retry with another amount while the earlier charge is unsettled). Must be called
    outside any transaction.
    """
    booking = booking_get_for_participant(booking_id=booking_id, user=mentee)
    if booking.mentee_id != mentee.pk:
        raise PermissionDenied("Only the mentee of a session tips its mentor.")
    if currency is not None and currency != booking.currency:
        raise DomainError(
            "currency_mismatch",
            f"Tips are in the session's currency, {booking.currency}.",
            field="currency",
        )
    amount = _clean_tip(amount_minor, booking.currency)
    source = _clean_source(source)
    with transaction.atomic(durable=True):
        booking = _lock_participants(booking.pk)
        if booking.status != BookingStatus.COMPLETED:
            raise DomainError(
                "not_completed", "You can tip once the session is marked done.", status=409
            )
        if _kept_payments(booking, PaymentKind.TIP).exists():
            raise DomainError("already_tipped", "You tipped for this session already.", status=409)
        payment, fresh = _open_payment(
            payer=mentee, booking=booking, kind=PaymentKind.TIP, amount=amount
        )
    result = _ask_provider(payment, source, fresh=fresh)
    if result is None or result.status == "pending":
        raise _payment_pending(payment)
    payment = _payment_apply(payment.pk, result)
    if payment.status == PaymentStatus.DECLINED:
        raise _card_declined(payment)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise _payment_pending(payment)
    return payment


# Escrow as bookings change


def _session_payment(booking: Booking) -> Payment | None:
    """The payment whose money is in the booking's escrow (others were given back): the
    session's own, or for a mentor's part of a panel the panel's one charge."""
    if booking.panel_id is None:
        kept = _kept_payments(booking, PaymentKind.SESSION)
    else:
        kept = Payment.objects.filter(
            panel_id=booking.panel_id,
            kind=PaymentKind.PANEL,
            status=PaymentStatus.SUCCEEDED,
            refunded_minor__lt=F("amount_minor"),
        )
    return kept.select_for_update(of=("self",)).first()


def refund_due(booking: Booking, paid_minor: int) -> int:
    """How much of ``paid_minor`` goes back to the mentee now that ``booking`` ended as it
    did; the rest is the mentor's. The refund policy:

    - declined or expired request, cancelled by the mentor, a mentor no-show: all;
    - cancelled by the mentee at least 24 hours before the start, or before the mentor
      confirmed it: all;
    - cancelled by the mentee within 24 hours of a confirmed session: half (rounded up).
      Closing one's account cancels one's sessions as if one cancelled them oneself;
    - completed, confirmed and not reported, a mentee no-show: nothing.
    """
    status = booking.status
    if status == BookingStatus.CANCELLED:
        late = booking.confirmed_at is not None and is_late_change(booking, now=booking.ended_at)
        by_mentee = booking.ended_by_id == booking.mentee_id
        return paid_minor - paid_minor // 2 if by_mentee and late else paid_minor
    if status == BookingStatus.NO_SHOW:
        return paid_minor if booking.no_show_party == Party.MENTOR else 0
    if status in (BookingStatus.DECLINED, BookingStatus.EXPIRED):
        return paid_minor
    return 0


def _escrow_settle_by_policy(booking: Booking) -> bool:
    """Refund and release the booking's escrow as ``refund_due`` says; whether money moved.
    Call with the booking's participants locked."""
    payment = _session_payment(booking)
    if payment is None:
        return False
    escrow = _escrow(payment, booking)
    held = LedgerAccount.objects.values_list("balance_minor", flat=True).get(pk=escrow.pk)
    if held == 0:
        return False
    refund = min(refund_due(booking, booking.price_minor), held)
    if refund:
        _refund(
            payment,
            booking,
            key=f"booking:{booking.public_id}:refund",
            amount=refund,
            reason=f"Session {booking.get_status_display().lower()}",
        )
    if held - refund:
        ledger_post(
            key=f"booking:{booking.public_id}:release",
            kind="escrow_release",
            legs=_release_legs(payment, booking, escrow, held - refund),
            booking_ref=booking.public_id,
            memo=f"Session {booking.get_status_display().lower()}",
        )
    return True


def escrow_follow_booking(*, booking: Booking) -> None:
    """Move a paid session's escrow as its new status says, when that status settles it at
    once (declined, expired, cancelled; see ``refund_due``). Called by the booking services
    inside their transaction, with both participants locked; the provider refund is sent
    after commit."""
    if booking.price_minor and booking.status in _SETTLED_AT_ONCE:
        _escrow_settle_by_policy(booking)


def escrow_release_due() -> int:
    """Settle the escrow of sessions whose dispute window has passed: completed sessions
    and no-shows ``HEADSTRT_DISPUTE_WINDOW_HOURS`` after their end; confirmed sessions
    nobody marked once they can no longer be marked either. Frozen escrow (an open dispute)
    waits. Each session is settled once (its posting keys); returns how many were."""
    now = clock.now()
    window = timedelta(hours=settings.HEADSTRT_DISPUTE_WINDOW_HOURS)
    waiting = LedgerAccount.objects.filter(
        kind=AccountKind.ESCROW, balance_minor__gt=0, frozen=False
    ).values("booking_ref")
    due = Booking.objects.filter(public_id__in=waiting).filter(
        Q(status__in=[BookingStatus.COMPLETED, BookingStatus.NO_SHOW], end__lte=now - window)
        # Until then the session can still be marked done or reported as a no-show.
        | Q(status=BookingStatus.CONFIRMED, end__lt=now - max(window, CLOSE_WINDOW))
    )
    settled = 0
    for booking_pk in due.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                settled += _escrow_settle_by_policy(_lock_participants(booking_pk))
        except DomainError as error:
            if error.code != "escrow_frozen":  # a dispute opened meanwhile: it waits
                raise
    return settled


def escrow_freeze(*, booking: Booking) -> int:
    """Freeze the session's escrow while a dispute is open: only ``escrow_settle`` moves it
    then. Returns the amount frozen (0 for a free session or money already moved)."""
    with transaction.atomic():
        booking = _lock_participants(booking.pk)
        payment = _session_payment(booking)
        if payment is None:
            return 0
        escrow = LedgerAccount.objects.select_for_update().get(pk=_escrow(payment, booking).pk)
        escrow.frozen = True
        escrow.save(update_fields=["frozen"])
        return escrow.balance_minor


def escrow_settle(*, booking: Booking, mentor_percent: int) -> LedgerTransaction | None:
    """End a dispute: ``mentor_percent`` of the escrow goes to the mentor (less the fee on
    that part), the rest back to the mentee; 100 is a release, 0 a full refund. Posted once
    (kind ``dispute_settlement``); the escrow is unfrozen. ``None`` when there was nothing
    in escrow."""
    if (
        isinstance(mentor_percent, bool)
        or not isinstance(mentor_percent, int)
        or not 0 <= mentor_percent <= 100
    ):
        raise DomainError(
            "invalid_percent",
            "The mentor's share is a whole percentage from 0 to 100.",
            field="mentor_percent",
        )
    key = f"booking:{booking.public_id}:dispute_settlement"
    with transaction.atomic():
        booking = _lock_participants(booking.pk)
        done = LedgerTransaction.objects.filter(key=key).first()
        payment = _session_payment(booking)
        if done is not None or payment is None:
            return done
        escrow = LedgerAccount.objects.select_for_update().get(pk=_escrow(payment, booking).pk)
        held = escrow.balance_minor
        posted = None
        if held:
            to_mentor = _part(held, mentor_percent, 100)
            refund = held - to_mentor
            legs = _refund_legs(payment, escrow, refund) if refund else []
            if to_mentor:
                legs += _release_legs(payment, booking, escrow, to_mentor)
            posted = ledger_post(
                key=key,
                kind="dispute_settlement",
                legs=legs,
                booking_ref=booking.public_id,
                memo=f"Dispute settled: {mentor_percent}% to the mentor",
            )
            if refund:
                _refund_record(
                    payment,
                    key=f"booking:{booking.public_id}:dispute_refund",
                    amount=refund,
                    reason="Dispute settled",
                )
        escrow.frozen = False
        escrow.save(update_fields=["frozen"])
        return posted


# Refunds at the provider


def refund_send(*, refund_key: str) -> str:
    """Ask the provider to give a refund back; safe to repeat (the provider gets the
    refund's key). Returns the refund's status; one left ``pending`` is sent again by the
    sweep or settled by the provider's webhook. Call outside any transaction."""
    refund = Refund.objects.select_related("payment").filter(key=refund_key).first()
    if refund is None or refund.status != PaymentStatus.PENDING:
        return refund.status if refund is not None else "unknown"
    payment = refund.payment
    try:
        result = providers.provider_named(payment.provider).refund(
            charge_ref=payment.provider_ref,
            amount=Money(refund.amount_minor, payment.currency),
            key=refund.key,
        )
    except ProviderUnavailable as error:
        logger.warning("refund %s: no answer from the provider (%s)", refund.key, error)
        return refund.status
    if result.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
        return refund.status
    if result.status == PaymentStatus.FAILED:
        logger.error("refund %s failed at the provider: %s", refund.key, result.message)
    Refund.objects.filter(pk=refund.pk, status=PaymentStatus.PENDING).update(
        status=result.status, provider_ref=result.provider_ref
    )
    return result.status


def refunds_send_pending() -> int:
    """Send again the refunds still pending a while after they were decided (a lost task,
    a provider that was down); how many went through."""
    cutoff = clock.now() - RECHECK_AFTER
    pending = Refund.objects.filter(status=PaymentStatus.PENDING, created_at__lte=cutoff)
    return sum(
        refund_send(refund_key=key) == PaymentStatus.SUCCEEDED
        for key in pending.values_list("key", flat=True)
    )
