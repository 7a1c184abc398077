"""Paying for written answers: one charge for the mentors asked, one escrow per answer,
released to its mentor when the answer arrives and refunded when it does not.

Each answer's escrow is keyed by its ask's public id, and its release and refund have
posting keys of their own (``answer:<ask>:release``, ``answer:<ask>:refund``): whichever
comes first empties the escrow, so an answer is paid or refunded exactly once.
"""

from django.db import transaction

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError
from headstrt.payments.ledger import Leg, ledger_account, ledger_post
from headstrt.payments.models import AccountKind, LedgerAccount, Payment, PaymentKind, PaymentStatus
from headstrt.payments.providers.base import ChargeResult
from headstrt.payments.services import (
    _ask_provider,
    _card_declined,
    _clean_source,
    _escrow,
    _part,
    _payment_pending,
    _refund,
    _refund_legs,
    _refund_record,
    charge_post,
    fee_for,
    payment_open,
    payment_record,
)
from headstrt.perspectives.models import AskStatus, PerspectiveAsk, PerspectiveRequest
from headstrt.perspectives.selectors import perspective_request_get_for_mentee


def _lock_payer(user_pk: int) -> None:
    list(User.objects.select_for_update().filter(pk=user_pk).values_list("pk"))


def _lock_request(request_pk: int) -> None:
    """The request's row, before its asks: the perspectives services lock in that order."""
    list(PerspectiveRequest.objects.select_for_update().filter(pk=request_pk).values_list("pk"))


def answers_pay(*, mentee: User, request_id: str, source: str) -> PerspectiveRequest:
    """Pay for the request's asks still waiting for payment with one charge of ``source``;
    in the transaction that records it each answer's price goes into its own escrow and
    the mentors are asked. Refusals: ``nothing_to_pay`` (409), ``card_declined`` (402),
    ``payment_pending`` (503: calling again asks about the same charge),
    ``payment_pending_other_amount`` (409: mentors were added while a charge is unsettled).
    Must be called outside any transaction.
    """
    request = perspective_request_get_for_mentee(request_id=request_id, mentee=mentee)
    source = _clean_source(source)
    with transaction.atomic(durable=True):
        _lock_payer(mentee.pk)
        _lock_request(request.pk)
        asks = list(
            PerspectiveAsk.objects.select_for_update()
            .filter(request=request, status=AskStatus.UNPAID)
            .order_by("pk")
        )
        if not asks:
            raise DomainError(
                "nothing_to_pay", "There is nothing to pay for on this request.", status=409
            )
        prefix = f"answers:{request.public_id}:payment"
        payment, fresh = payment_open(
            prefix=prefix,
            attempts=Payment.objects.filter(kind=PaymentKind.ANSWERS, key__startswith=prefix),
            payer=mentee,
            kind=PaymentKind.ANSWERS,
            amount=sum(ask.price_minor for ask in asks),
            fee=sum(fee_for(ask.price).minor for ask in asks),
            currency=asks[0].currency,
        )
        if fresh:
            PerspectiveAsk.objects.filter(pk__in=[ask.pk for ask in asks]).update(payment=payment)
    result = _ask_provider(payment, source, fresh=fresh)
    if result is None or result.status == "pending":
        raise _payment_pending(payment)
    payment = answers_payment_apply(payment.pk, result)
    if payment.status == PaymentStatus.DECLINED:
        raise _card_declined(payment)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise _payment_pending(payment)
    return request


def answers_payment_apply(payment_pk: int, result: ChargeResult) -> Payment:
    """Apply the provider's answer about a charge for answers in one transaction;
    idempotent. The asks it paid for are sent to their mentors; money taken for asks no
    longer waiting for it (withdrawn, or paid by another attempt) is given back whole."""
    from headstrt.perspectives.services import asks_send  # perspectives build on payments

    with transaction.atomic():
        payer_pk = Payment.objects.values_list("payer_id", flat=True).get(pk=payment_pk)
        _lock_payer(payer_pk)
        request_pk = (
            PerspectiveAsk.objects.filter(payment_id=payment_pk)
            .values_list("request_id", flat=True)
            .first()
        )
        if request_pk is not None:
            _lock_request(request_pk)
        payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment_pk)
        if payment_record(payment, result) != PaymentStatus.SUCCEEDED:
            return payment
        asks = list(
            PerspectiveAsk.objects.select_for_update(of=("self",))
            .filter(payment=payment)
            .select_related("mentor__user", "request")
            .order_by("pk")
        )
        waiting = all(ask.status == AskStatus.UNPAID for ask in asks)
        if asks and waiting and sum(ask.price_minor for ask in asks) == payment.amount_minor:
            charge_post(
                payment,
                [(_ask_escrow(ask), ask.price_minor) for ask in asks],
                kind="answers_payment",
                memo="Written answers paid by card",
            )
            asks_send(asks=asks)
        else:
            charge_post(
                payment,
                [(_escrow(payment, None), payment.amount_minor)],
                kind="answers_payment",
                memo="Written answers paid by card, no longer asked",
            )
            _refund(
                payment,
                None,
                key=f"{payment.key}:refund",
                amount=payment.amount_minor,
                reason="The mentors were no longer waiting for this payment, so it is given back.",
            )
    return payment


def _ask_escrow(ask: PerspectiveAsk) -> LedgerAccount:
    return ledger_account(AccountKind.ESCROW, ask.currency, booking_ref=ask.public_id)


def _held(ask: PerspectiveAsk) -> tuple[Payment, LedgerAccount, int] | None:
    """The paid ask's payment, its escrow locked, and what it holds; ``None`` when the ask
    was free or never paid."""
    if not ask.price_minor or ask.payment_id is None:
        return None
    payment = Payment.objects.select_for_update(of=("self",)).get(pk=ask.payment_id)
    if payment.status != PaymentStatus.SUCCEEDED:
        return None
    escrow = LedgerAccount.objects.select_for_update().get(pk=_ask_escrow(ask).pk)
    return payment, escrow, escrow.balance_minor


def answer_release(*, ask: PerspectiveAsk) -> None:
    """Pay an answered ask's mentor from its escrow, less the platform fee on it. Once:
    an escrow already released or refunded holds nothing. Runs in the caller's
    transaction."""
    with transaction.atomic():
        held = _held(ask)
        if held is None or not held[2]:
            return
        payment, escrow, amount = held
        fee = _part(payment.fee_minor, amount, payment.amount_minor)
        earnings = ledger_account(AccountKind.MENTOR_EARNINGS, ask.currency, owner=ask.mentor.user)
        fees = ledger_account(AccountKind.PLATFORM_FEES, ask.currency)
        ledger_post(
            key=f"answer:{ask.public_id}:release",
            kind="answer_release",
            legs=[Leg(escrow, -amount), Leg(earnings, amount - fee), Leg(fees, fee)],
            booking_ref=ask.public_id,
            memo="Written answer delivered",
        )


def answer_refund(*, ask: PerspectiveAsk, reason: str) -> None:
    """Give an unanswered ask's escrow back to the mentee (the refund goes to the provider
    after commit). Once: an escrow already released or refunded holds nothing. Runs in the
    caller's transaction."""
    with transaction.atomic():
        held = _held(ask)
        if held is None or not held[2]:
            return
        payment, escrow, amount = held
        key = f"answer:{ask.public_id}:refund"
        ledger_post(
            key=key,
            kind="refund",
            legs=_refund_legs(payment, escrow, amount),
            booking_ref=ask.public_id,
            memo=reason,
        )
        _refund_record(payment, key=key, amount=amount, reason=reason)
