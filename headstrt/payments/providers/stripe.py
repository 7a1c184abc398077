"""The Stripe adapter: separate charges and transfers (Stripe Connect), verified webhooks.

A charge is a PaymentIntent created and confirmed in one call with the card's PaymentMethod;
a refund gives back part of that PaymentIntent; a payout is a Transfer to the mentor's
connected account. Every call that moves money sends the platform's key as Stripe's
``Idempotency-Key`` and in the object's metadata, so a retry is answered with the first
result and webhooks can be matched to the platform's records.
"""

import logging

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from headstrt.core.money import Money, minor_exponent
from headstrt.payments.providers.base import (
    ChargeResult,
    EventKind,
    ProviderUnavailable,
    RefundResult,
    TransferResult,
    WebhookEventData,
    WebhookSignatureInvalid,
)

logger = logging.getLogger(__name__)

# The metadata field carrying the platform's idempotency key on Stripe's objects.
KEY_FIELD = "headstrt_key"
DECLINED_MESSAGE = "Your card was declined."
# Timeouts, rate limits, Stripe's own errors and conflicts with a request still running:
# the outcome is unknown, the same key may be retried.
UNAVAILABLE = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)
# Stripe reads amounts in the currency's ISO 4217 minor unit, with special cases
# (docs.stripe.com/currencies): ISK and UGX have no minor unit, yet Stripe still reads them
# in hundredths that must end in 00; three-decimal currencies (KWD, BHD...) must end in 0.
# HUF and TWD are read in hundredths, like their minor unit (only bank payouts need whole
# units, and those are the connected account's).
_HUNDREDTHS = frozenset({"ISK", "UGX"})


class AmountNotAccepted(ValueError):
    """An amount Stripe cannot take in its currency (e.g. 1.005 KWD)."""


def stripe_amount(amount: Money) -> int:
    """``amount`` in the units Stripe reads for its currency; every amount sent to Stripe
    goes through here. Raises ``AmountNotAccepted`` for one Stripe cannot take exactly."""
    if amount.currency in _HUNDREDTHS:
        return amount.minor * 100
    if minor_exponent(amount.currency) == 3 and amount.minor % 10:
        raise AmountNotAccepted(
            f"Card payments in {amount.currency} must be a whole number of hundredths; "
            f"{amount.format()} cannot be charged or paid back."
        )
    return amount.minor


class StripeProvider:
    """Stripe (name ``stripe``), configured by ``STRIPE_SECRET_KEY`` and
    ``STRIPE_WEBHOOK_SECRET``."""

    name = "stripe"
    signature_header = "Stripe-Signature"

    def __init__(
        self,
        *,
        secret_key: str | None = None,
        webhook_secret: str | None = None,
        api_base: str | None = None,
        max_network_retries: int = 2,
        timeout: tuple[float, float] = (5, 30),
    ):
        secret_key = secret_key or settings.STRIPE_SECRET_KEY
        if not secret_key:
            raise ImproperlyConfigured("Set STRIPE_SECRET_KEY to use the Stripe provider.")
        self.webhook_secret = webhook_secret or settings.STRIPE_WEBHOOK_SECRET
        api_base = api_base or settings.STRIPE_API_BASE
        # Stripe's own retries resend the same idempotency key, so they are safe.
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def charge(self, *, amount: Money, source: str, key: str, description: str) -> ChargeResult:
        """Create and confirm a PaymentIntent for the PaymentMethod ``source``."""
        try:
            units = stripe_amount(amount)
        except AmountNotAccepted as error:
            return ChargeResult(status="declined", message=str(error))
        params = {
            "amount": units,
            "currency": amount.currency.lower(),
            "payment_method": source,
            "payment_method_types": ["card"],
            "confirm": True,
            "description": description[:1000],
            "metadata": {KEY_FIELD: key},
        }
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": key}
            )
        except stripe.CardError as error:
            return ChargeResult(
                status="declined",
                provider_ref=_error_intent_id(error),
                message=error.user_message or DECLINED_MESSAGE,
            )
        except stripe.InvalidRequestError as error:
            if error.param == "payment_method":
                return ChargeResult(
                    status="declined", message="This card cannot be used; try another one."
                )
            # Stripe refused the request itself (an amount below its minimum, a currency
            # it does not take, a misconfiguration): nothing was charged, so the attempt
            # ends here and its hold is released rather than failing the whole request.
            logger.error("Stripe refused the charge %s: %s", key, error.user_message)
            return ChargeResult(status="declined", message=_refusal_message(error))
        except stripe.IdempotencyError as error:
            # The key was first sent with other parameters (a retry with another card):
            # this attempt ends; a charge made by the first request still arrives by webhook.
            return ChargeResult(status="declined", message=_refusal_message(error))
        except UNAVAILABLE as error:
            raise ProviderUnavailable(str(error)) from error
        result = _intent_result(intent.to_dict())
        if result.status == "pending":
            # Not decided yet (e.g. "processing"): for the caller this is an answer still to
            # come, which the webhook or a later retrieve_charge gives.
            raise ProviderUnavailable(f"Stripe has not decided the charge {intent.id} yet.")
        return result

    def retrieve_charge(self, key: str) -> ChargeResult | None:
        """Find the PaymentIntent by its metadata key.

        Stripe's search lags writes by up to a minute (longer during incidents), so None
        from a charge made moments ago means "not seen yet" rather than "never made".
        """
        escaped = key.replace("\\", "\\\\").replace("'", "\\'")
        try:
            found = self.client.v1.payment_intents.search(
                params={"query": f"metadata['{KEY_FIELD}']:'{escaped}'", "limit": 1}
            )
        except UNAVAILABLE as error:
            raise ProviderUnavailable(str(error)) from error
        return _intent_result(found.data[0].to_dict()) if found.data else None

    def refund(self, *, charge_ref: str, amount: Money, key: str) -> RefundResult:
        """Refund ``amount`` of the PaymentIntent ``charge_ref``.

        A refund made earlier with ``key`` (in its metadata) is found first and answered
        with: Stripe forgets idempotency keys after a day, and a refund retried later must
        still not be given twice.
        """
        try:
            units = stripe_amount(amount)
        except AmountNotAccepted as error:
            return RefundResult(status="failed", message=str(error))
        params = {
            "payment_intent": charge_ref,
            "amount": units,
            "metadata": {KEY_FIELD: key},
        }
        try:
            refund = self._refund_made(charge_ref, key) or self.client.v1.refunds.create(
                params=params, options={"idempotency_key": key}
            )
        except stripe.InvalidRequestError as error:  # e.g. more than is left of the charge
            return RefundResult(status="failed", message=error.user_message or "")
        except UNAVAILABLE as error:
            raise ProviderUnavailable(str(error)) from error
        answer = refund.to_dict()
        return RefundResult(
            status=_refund_status(answer.get("status")),
            provider_ref=answer["id"],
            message=answer.get("failure_reason") or "",
        )

    def _refund_made(self, charge_ref: str, key: str) -> stripe.Refund | None:
        """The PaymentIntent's refund carrying ``key`` in its metadata, if there is one."""
        refunds = self.client.v1.refunds.list(params={"payment_intent": charge_ref, "limit": 100})
        for refund in refunds.auto_paging_iter():
            if (refund.to_dict().get("metadata") or {}).get(KEY_FIELD) == key:
                return refund
        return None

    def transfer(self, *, destination: str, amount: Money, key: str) -> TransferResult:
        """Transfer ``amount`` to the connected account ``destination``.

        The transfer is looked up by its group (the key) first: Stripe forgets idempotency
        keys after a day, and a payout retried later must still not be paid twice.
        """
        try:
            units = stripe_amount(amount)
        except AmountNotAccepted as error:
            return TransferResult(status="failed", message=str(error))
        try:
            earlier = self.client.v1.transfers.list(params={"transfer_group": key, "limit": 1})
            if earlier.data:
                return TransferResult(status="paid", provider_ref=earlier.data[0].id)
            transfer = self.client.v1.transfers.create(
                params={
                    "amount": units,
                    "currency": amount.currency.lower(),
                    "destination": destination,
                    "transfer_group": key,
                    "metadata": {KEY_FIELD: key},
                },
                options={"idempotency_key": key},
            )
        except stripe.InvalidRequestError as error:  # e.g. no such account, balance too low
            return TransferResult(status="failed", message=error.user_message or "")
        except UNAVAILABLE as error:
            raise ProviderUnavailable(str(error)) from error
        return TransferResult(status="paid", provider_ref=transfer.id)

    def verify_webhook(self, *, payload: bytes, signature: str) -> WebhookEventData:
        """Verify Stripe's signature (``STRIPE_WEBHOOK_SECRET``) and read the event."""
        if not self.webhook_secret:
            raise ImproperlyConfigured("Set STRIPE_WEBHOOK_SECRET to receive Stripe webhooks.")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise WebhookSignatureInvalid(str(error)) from error
        body = event.to_dict()
        return _event_data(body["id"], body["type"], body.get("data", {}).get("object") or {})


def _refusal_message(error: stripe.StripeError) -> str:
    return f"The payment was refused: {error.user_message or 'Stripe could not take it.'}"


def _error_intent_id(error: stripe.StripeError) -> str:
    details = (error.json_body or {}).get("error") or {}
    return (details.get("payment_intent") or {}).get("id", "")


def _intent_result(intent: dict) -> ChargeResult:
    status = intent.get("status")
    if status == "succeeded":
        return ChargeResult(status="succeeded", provider_ref=intent["id"])
    if status in ("requires_payment_method", "requires_action", "canceled"):
        failure = intent.get("last_payment_error") or {}
        return ChargeResult(
            status="declined",
            provider_ref=intent["id"],
            message=failure.get("message") or DECLINED_MESSAGE,
        )
    return ChargeResult(status="pending", provider_ref=intent["id"])


def _refund_status(status: str | None) -> str:
    if status == "succeeded":
        return "succeeded"
    if status in ("failed", "canceled"):
        return "failed"
    return "pending"


def _event_data(event_id: str, kind: str, obj: dict) -> WebhookEventData:
    """Stripe's event in the platform's terms (``EventKind``); others keep their type."""
    key = (obj.get("metadata") or {}).get(KEY_FIELD, "")
    data = {"key": key, "ref": obj.get("id", ""), "charge_ref": "", "message": ""}
    if kind == "payment_intent.succeeded":
        return WebhookEventData(event_id, EventKind.CHARGE_SUCCEEDED, data)
    if kind in ("payment_intent.payment_failed", "payment_intent.canceled"):
        failure = obj.get("last_payment_error") or {}
        data["message"] = failure.get("message") or DECLINED_MESSAGE
        return WebhookEventData(event_id, EventKind.CHARGE_FAILED, data)
    if kind in ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated"):
        data["charge_ref"] = obj.get("payment_intent") or ""
        status = _refund_status(obj.get("status"))
        if status == "succeeded":
            return WebhookEventData(event_id, EventKind.REFUND_SUCCEEDED, data)
        if status == "failed":
            data["message"] = obj.get("failure_reason") or ""
            return WebhookEventData(event_id, EventKind.REFUND_FAILED, data)
    if kind == "transfer.created":
        data["key"] = key or obj.get("transfer_group") or ""
        return WebhookEventData(event_id, EventKind.TRANSFER_PAID, data)
    return WebhookEventData(event_id, kind, data)
