"""Paying for a panel: one charge for every mentor's part, all confirmed together or the
whole charge given back.

The money of the one charge is split, in the posting that records it, into the escrow of
each mentor's booking; from there each part is released, refunded or settled by dispute
exactly as a session's own escrow is.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import DomainError, PermissionDenied
from headstrt.payments.models import Payment, PaymentKind, PaymentStatus
from headstrt.payments.providers.base import ChargeResult
from headstrt.payments.services import (
    PENDING_HOLD_MINUTES,
    _ask_provider,
    _card_declined,
    _clean_source,
    _escrow,
    _payment_pending,
    _recheck,
    _refund,
    charge_post,
    fee_for,
    payment_open,
    payment_record,
)
from headstrt.scheduling.models import Booking, BookingStatus, Panel
from headstrt.scheduling.panel_reads import panel_get_for_participant
from headstrt.scheduling.services import panels as panel_services


def _lock_panel(panel_pk: int) -> tuple[Panel, list[Booking]]:
    """The panel and its bookings, with its mentee and mentors locked in id order, as the
    booking services lock them."""
    people = set(
        Booking.objects.filter(panel_id=panel_pk).values_list("mentee_id", "mentor__user_id")
    )
    ids = sorted({person for pair in people for person in pair})
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    panel = Panel.objects.select_related("mentee").get(pk=panel_pk)
    bookings = list(
        Booking.objects.filter(panel=panel).select_related("mentor__user").order_by("pk")
    )
    return panel, bookings


def _kept(panel: Panel):
    return Payment.objects.filter(
        panel=panel,
        kind=PaymentKind.PANEL,
        status=PaymentStatus.SUCCEEDED,
        refunded_minor__lt=F("amount_minor"),
    )


def panel_pay(
    *, mentee: User, panel_id: str, objective: str | None, agenda: str | None, source: str
) -> Panel:
    """Check out a held panel, paying every mentor's part with one charge of ``source``.

    A free panel is simply checked out. Otherwise every hold is checked first (nothing is
    charged for a panel that would be refused); then the charge is made and, in one
    transaction, each part goes into its booking's escrow and every booking is confirmed.
    Should one of them be lost meanwhile (a lapsed hold someone else took), no part is
    confirmed and the whole charge is refunded (``hold_expired``). Other refusals as
    ``booking_pay``. Must be called outside any transaction.
    """
    panel = panel_get_for_participant(panel_id=panel_id, user=mentee)
    if panel.mentee_id != mentee.pk:
        raise PermissionDenied("Only the mentee pays for a panel.")
    if not any(booking.price_minor for booking in panel.bookings.all()):
        return panel_services.panel_checkout(
            mentee=mentee, panel_id=panel_id, objective=objective, agenda=agenda
        )
    source = _clean_source(source)
    try:
        with transaction.atomic(durable=True):
            panel, bookings = _lock_panel(panel.pk)
            if _kept(panel).exists():
                raise DomainError("already_paid", "This panel is paid already.", status=409)
            panel_services.panel_checkout_start(
                mentee=mentee, panel_id=panel_id, objective=objective, agenda=agenda
            )
            payment, fresh = payment_open(
                prefix=f"panel:{panel.public_id}:payment",
                attempts=Payment.objects.filter(panel=panel),
                payer=mentee,
                kind=PaymentKind.PANEL,
                amount=sum(booking.price_minor for booking in bookings),
                fee=sum(fee_for(booking.price).minor for booking in bookings),
                currency=panel.currency,
                panel=panel,
            )
    except DomainError:
        for earlier in Payment.objects.filter(panel=panel, status=PaymentStatus.PENDING):
            _recheck(earlier, give_up=False)
        raise
    result = _ask_provider(payment, source, fresh=fresh)
    if result is None or result.status == "pending":
        panel_services.panel_hold_until(
            mentee=mentee,
            panel_id=panel.public_id,
            until=clock.now() + timedelta(minutes=PENDING_HOLD_MINUTES),
        )
        raise _payment_pending(payment)
    payment = panel_payment_apply(payment.pk, result)
    if payment.status == PaymentStatus.DECLINED:
        raise _card_declined(payment)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise _payment_pending(payment)
    if _kept(panel).filter(pk=payment.pk).exists():
        return panel
    raise DomainError(
        "hold_expired",
        "Someone else took the time of one of the mentors while your payment went through, "
        "so the panel is not booked and the payment is refunded in full. Please pick "
        "another time.",
        field="start",
        status=409,
    )


def _confirmed(payment: Payment, panel: Panel, bookings: list[Booking]) -> bool:
    """Confirm every booking of the panel, or none; whether they all were."""
    waiting = all(
        booking.status == BookingStatus.HELD
        or (booking.status == BookingStatus.EXPIRED and booking.respond_by is None)
        for booking in bookings
    )
    paid_already = _kept(panel).exclude(pk=payment.pk).exists()
    if paid_already or not waiting:
        return False
    if payment.amount_minor != sum(booking.price_minor for booking in bookings):
        return False
    try:
        with transaction.atomic():
            panel_services.panel_checkout_finish(mentee=panel.mentee, panel_id=panel.public_id)
    except DomainError:
        return False
    return True


def panel_payment_apply(payment_pk: int, result: ChargeResult) -> Payment:
    """Apply the provider's answer about a panel's charge in one transaction; idempotent.

    Money taken for a panel that can no longer be confirmed whole goes through an escrow
    of the payment's own straight back to the payer. A declined card releases the holds.
    """
    with transaction.atomic():
        panel_pk = Payment.objects.values_list("panel_id", flat=True).get(pk=payment_pk)
        panel, bookings = _lock_panel(panel_pk)
        payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment_pk)
        change = payment_record(payment, result)
        if change == PaymentStatus.SUCCEEDED:
            if _confirmed(payment, panel, bookings):
                parts = [(_escrow(payment, booking), booking.price_minor) for booking in bookings]
                charge_post(
                    payment,
                    parts,
                    kind="panel_payment",
                    memo=f"Panel of {len(bookings)} mentors paid by card",
                )
            else:
                charge_post(
                    payment,
                    [(_escrow(payment, None), payment.amount_minor)],
                    kind="panel_payment",
                    memo="Panel paid by card, no longer bookable",
                )
                _refund(
                    payment,
                    None,
                    key=f"{payment.key}:refund",
                    amount=payment.amount_minor,
                    reason="The panel could not be booked whole, so the payment is given back.",
                )
        elif change is not None:
            # Every hold is released: the mentors' time is free for others again.
            panel_services.panel_hold_until(
                mentee=panel.mentee, panel_id=panel.public_id, until=clock.now()
            )
    return payment
