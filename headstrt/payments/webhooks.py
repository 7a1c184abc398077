"""Provider webhooks: verified, recorded once, and applied by checking state, never order.

A webhook is refused unless its signature verifies. Its event id is then recorded in the
same transaction as whatever the event changes, so a redelivered event does nothing and an
event whose handling failed is not recorded (the provider delivers it again). Providers
deliver events in any order and more than once; each handler therefore looks at where the
payment, refund or payout is now and only ever moves it forward.
"""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Q

from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.payments.models import Payment, PaymentStatus, Payout, Refund, WebhookEvent
from headstrt.payments.payouts import payout_settle
from headstrt.payments.providers import provider_named
from headstrt.payments.providers.base import (
    ChargeResult,
    EventKind,
    PaymentProvider,
    TransferResult,
    WebhookEventData,
    WebhookSignatureInvalid,
)

logger = logging.getLogger(__name__)


def _provider(provider_name: str) -> PaymentProvider:
    try:
        return provider_named(provider_name)
    except ImproperlyConfigured:  # not set up here: as good as unknown to the sender
        raise NotFound("There is no such payment provider.") from None


def webhook_signature_header(provider_name: str) -> str:
    """The HTTP header carrying the signature of ``provider_name``'s webhooks."""
    return _provider(provider_name).signature_header


def webhook_receive(*, provider_name: str, payload: bytes, signature: str) -> str:
    """Verify and apply one webhook of provider ``provider_name``; what became of it:
    ``applied``, ``unchanged`` (already so), ``ignored`` (not about anything of ours),
    or ``duplicate`` (this event was received before).

    A signature that does not verify raises ``DomainError`` ``bad_signature`` (400) and
    nothing is written; an unknown or unconfigured provider is ``NotFound``.
    """
    source = _provider(provider_name)
    try:
        event = source.verify_webhook(payload=payload, signature=signature)
    except ImproperlyConfigured:
        raise NotFound("There is no such payment provider.") from None
    except WebhookSignatureInvalid:
        raise DomainError(
            "bad_signature", "The webhook's signature does not verify.", status=400
        ) from None
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    provider=source.name,
                    event_id=event.event_id[:100],
                    kind=event.kind[:60],
                    received_at=clock.now(),
                )
        except IntegrityError:
            return "duplicate"
        return _apply(source.name, event)


def _apply(provider_name: str, event: WebhookEventData) -> str:
    if event.kind in (EventKind.CHARGE_SUCCEEDED, EventKind.CHARGE_FAILED):
        return _charge_apply(provider_name, event)
    if event.kind in (EventKind.REFUND_SUCCEEDED, EventKind.REFUND_FAILED):
        return _refund_apply(provider_name, event)
    if event.kind in (EventKind.TRANSFER_PAID, EventKind.TRANSFER_FAILED):
        return _transfer_apply(provider_name, event)
    return "ignored"


def _matching(data: dict) -> Q | None:
    """Find a record by the platform's key or else the provider's id (whichever is sent)."""
    condition = Q()
    if data.get("key"):
        condition |= Q(key=data["key"])
    if data.get("ref"):
        condition |= Q(provider_ref=data["ref"])
    return condition or None


def _charge_apply(provider_name: str, event: WebhookEventData) -> str:
    # Imported here: the payment flows import the providers, which import nothing back.
    from headstrt.payments.services import payment_settle

    condition = _matching(event.data)
    payment = (
        Payment.objects.filter(condition, provider=provider_name).first() if condition else None
    )
    if payment is None:
        return "ignored"
    before = payment.status
    succeeded = event.kind == EventKind.CHARGE_SUCCEEDED
    result = ChargeResult(
        status=PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.DECLINED,
        provider_ref=event.data.get("ref", ""),
        message=event.data.get("message", ""),
    )
    payment_settle(key=payment.key, result=result)
    payment.refresh_from_db(fields=["status"])
    return "applied" if payment.status != before else "unchanged"


def _refund_apply(provider_name: str, event: WebhookEventData) -> str:
    condition = _matching(event.data)
    refund = (
        Refund.objects.select_for_update()
        .filter(condition, payment__provider=provider_name)
        .first()
        if condition
        else None
    )
    if refund is None:
        return "ignored"
    # Pending moves to succeeded or failed; a refund can still fail after it succeeded
    # (the card's bank sends it back); failed is final.
    if refund.status == PaymentStatus.FAILED:
        return "unchanged"
    if event.kind == EventKind.REFUND_SUCCEEDED:
        if refund.status == PaymentStatus.SUCCEEDED:
            return "unchanged"
        refund.status = PaymentStatus.SUCCEEDED
    else:
        logger.error(
            "refund %s failed at the provider (%s): the mentee has not received it",
            refund.key,
            event.data.get("message", ""),
        )
        refund.status = PaymentStatus.FAILED
    refund.provider_ref = refund.provider_ref or event.data.get("ref", "")
    refund.save(update_fields=["status", "provider_ref"])
    return "applied"


def _transfer_apply(provider_name: str, event: WebhookEventData) -> str:
    condition = _matching(event.data)
    payout = Payout.objects.filter(condition, provider=provider_name).first() if condition else None
    if payout is None:
        return "ignored"
    paid = event.kind == EventKind.TRANSFER_PAID
    result = TransferResult(
        status="paid" if paid else "failed",
        provider_ref=event.data.get("ref", ""),
        message=event.data.get("message", ""),
    )
    return "applied" if payout_settle(payout=payout, result=result) else "unchanged"
