"""The built-in test provider: fake cards, kept like an outside provider's records.

It behaves as a real provider would seen from the platform: its charges, refunds and
transfers live in their own table (``TestProviderOperation``), apart from the platform's
payments, so the web server and the worker agree on them; every call is idempotent by its
key; it can fail before or after taking the money; and it sends signed webhooks in Stripe's
signature scheme, so tests and the demo drive the same webhook path as production.

Test cards (spaces allowed):

- ``4242 4242 4242 4242`` succeeds;
- ``4000 0000 0000 0002`` is declined;
- ``4000 0000 0000 0119`` is charged, then the answer is lost (``ProviderUnavailable``);
- ``4000 0000 0000 0341`` finds the provider down (``ProviderUnavailable``, no charge);
- any other valid 16-digit number succeeds; anything else is refused as not a card number.

Test payout destinations: ``acct_test_closed`` fails, ``acct_test_unreachable`` finds the
provider down, ``acct_test_lost_answer`` is paid and then the answer is lost; any other
account name is paid.
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum

from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.payments.models import TestProviderOperation
from headstrt.payments.providers.base import (
    ChargeResult,
    EventKind,
    ProviderUnavailable,
    RefundResult,
    TransferResult,
    WebhookEventData,
    WebhookSignatureInvalid,
)

CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_FAILS_AFTER_CHARGE = "4000000000000119"
CARD_UNAVAILABLE = "4000000000000341"
DESTINATION_CLOSED = "acct_test_closed"
DESTINATION_UNREACHABLE = "acct_test_unreachable"
DESTINATION_LOST_ANSWER = "acct_test_lost_answer"

DECLINED_MESSAGE = "Your card was declined."
NOT_A_CARD_MESSAGE = "That is not a valid card number: enter the 16 digits on the front."
# How old a webhook's signature may be, as with Stripe: a replayed old delivery is refused.
SIGNATURE_TOLERANCE_SECONDS = 300

Op = TestProviderOperation


class KeyReused(Exception):
    """The same idempotency key was sent with different parameters: a bug in the caller.

    Real providers refuse this too (Stripe answers with an idempotency error)."""


@dataclass(frozen=True)
class SignedEvent:
    """A webhook as the test provider would deliver it: the body and its signature header."""

    sequence: int
    event_id: str
    kind: str
    payload: bytes
    signature: str


def card_digits(source: str) -> str | None:
    """The card number without spaces, or None when it is not 16 digits passing Luhn's check."""
    digits = source.replace(" ", "")
    if len(digits) != 16 or not digits.isascii() or not digits.isdigit():
        return None
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return digits if total % 10 == 0 else None


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


def _new_ref(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(10)}"


def _sign(payload: bytes, timestamp: int, secret: str) -> str:
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class TestProvider:
    """The test provider (name ``test``)."""

    __test__ = False  # not a test case, despite its name

    name = "test"
    signature_header = "Test-Provider-Signature"

    def __init__(self, *, webhook_secret: str | None = None):
        self.webhook_secret = webhook_secret or settings.HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET

    # Money movements

    def charge(self, *, amount: Money, source: str, key: str, description: str) -> ChargeResult:
        """Charge a test card; see the module's list of test cards."""
        digits = card_digits(source)
        if digits is None:
            # Refused before reaching the provider (a real form never tokenizes it), so the
            # key stays free for the corrected number.
            return ChargeResult(status="declined", message=NOT_A_CARD_MESSAGE)
        fingerprint = _fingerprint(digits, amount.minor, amount.currency)
        done = self._existing(Op.Kind.CHARGE, key, fingerprint)
        if done is not None:
            return _charge_result(done)
        if digits == CARD_UNAVAILABLE:
            raise ProviderUnavailable("The test provider is down (test card ending 0341).")
        declined = digits == CARD_DECLINED
        operation = self._record(
            kind=Op.Kind.CHARGE,
            key=key,
            fingerprint=fingerprint,
            ref=_new_ref("ch"),
            status="declined" if declined else "succeeded",
            amount=amount,
            card_last4=digits[-4:],
            message=DECLINED_MESSAGE if declined else "",
        )
        if digits == CARD_FAILS_AFTER_CHARGE:
            raise ProviderUnavailable("The charge was made but its answer was lost (test card).")
        return _charge_result(operation)

    def retrieve_charge(self, key: str) -> ChargeResult | None:
        """The charge made with ``key``, or None if there was none."""
        operation = Op.objects.filter(kind=Op.Kind.CHARGE, key=key).first()
        return _charge_result(operation) if operation is not None else None

    def refund(self, *, charge_ref: str, amount: Money, key: str) -> RefundResult:
        """Give back part or all of a succeeded charge, never more than is left of it."""
        fingerprint = _fingerprint(charge_ref, amount.minor, amount.currency)
        with transaction.atomic():
            done = self._existing(Op.Kind.REFUND, key, fingerprint)
            if done is not None:
                return RefundResult(status=done.status, provider_ref=done.ref)
            # Locking the charge makes concurrent refunds of it take turns.
            charge = (
                Op.objects.select_for_update()
                .filter(kind=Op.Kind.CHARGE, ref=charge_ref, status="succeeded")
                .first()
            )
            if charge is None:
                return RefundResult(status="failed", message="There is no such paid charge.")
            refunded = (
                Op.objects.filter(kind=Op.Kind.REFUND, charge_ref=charge_ref).aggregate(
                    total=Sum("amount_minor")
                )["total"]
                or 0
            )
            left = charge.amount_minor - refunded
            if left == 0:
                return RefundResult(status="failed", message="The charge is refunded in full.")
            if amount.currency != charge.currency or not 0 < amount.minor <= left:
                return RefundResult(
                    status="failed",
                    message=(
                        "A refund cannot exceed what is left of the charge: "
                        f"{Money(left, charge.currency)}."
                    ),
                )
            operation = self._record(
                kind=Op.Kind.REFUND,
                key=key,
                fingerprint=fingerprint,
                ref=_new_ref("re"),
                status="succeeded",
                amount=amount,
                charge_ref=charge_ref,
            )
        return RefundResult(status=operation.status, provider_ref=operation.ref)

    def transfer(self, *, destination: str, amount: Money, key: str) -> TransferResult:
        """Pay out to a test account; see the module's list of test destinations."""
        fingerprint = _fingerprint(destination, amount.minor, amount.currency)
        done = self._existing(Op.Kind.TRANSFER, key, fingerprint)
        if done is not None:
            return TransferResult(status=done.status, provider_ref=done.ref, message=done.message)
        if destination == DESTINATION_UNREACHABLE:
            raise ProviderUnavailable("The test provider is down (test destination).")
        closed = destination == DESTINATION_CLOSED or not destination.strip()
        operation = self._record(
            kind=Op.Kind.TRANSFER,
            key=key,
            fingerprint=fingerprint,
            ref=_new_ref("tr"),
            status="failed" if closed else "paid",
            amount=amount,
            message="The destination account is closed." if closed else "",
        )
        if destination == DESTINATION_LOST_ANSWER:
            raise ProviderUnavailable("The transfer was made but its answer was lost.")
        return TransferResult(
            status=operation.status, provider_ref=operation.ref, message=operation.message
        )

    def _existing(self, kind: str, key: str, fingerprint: str) -> TestProviderOperation | None:
        operation = Op.objects.filter(kind=kind, key=key).first()
        if operation is not None and operation.fingerprint != fingerprint:
            raise KeyReused(f"The {kind} key {key!r} was used before with other parameters.")
        return operation

    def _record(self, *, amount: Money, **fields) -> TestProviderOperation:
        """Write an operation once; a concurrent call with the same key gets the first one."""
        try:
            with transaction.atomic():
                return Op.objects.create(
                    amount_minor=amount.minor,
                    currency=amount.currency,
                    created_at=clock.now(),
                    **fields,
                )
        except IntegrityError:
            existing = self._existing(fields["kind"], fields["key"], fields["fingerprint"])
            if existing is None:
                raise
            return existing

    # Webhooks

    def events_since(self, after: int = 0) -> list[SignedEvent]:
        """The webhooks of every operation after sequence number ``after``, in order,
        signed now, as the provider would deliver them."""
        operations = Op.objects.filter(pk__gt=after).order_by("pk")
        return [self.event_for(operation) for operation in operations]

    def event_for(self, operation: TestProviderOperation) -> SignedEvent:
        """The signed webhook telling the outcome of ``operation``; the same operation always
        has the same event id, so a second delivery is a duplicate."""
        kind = _EVENT_KINDS[(operation.kind, operation.status)]
        event_id = f"evt_{operation.ref}"
        body = {
            "id": event_id,
            "type": kind,
            "created": int(operation.created_at.timestamp()),
            "data": {
                "key": operation.key,
                "ref": operation.ref,
                "charge_ref": operation.charge_ref,
                "amount_minor": operation.amount_minor,
                "currency": operation.currency,
                "message": operation.message,
            },
        }
        payload = json.dumps(body, sort_keys=True).encode()
        return SignedEvent(
            sequence=operation.pk,
            event_id=event_id,
            kind=kind,
            payload=payload,
            signature=self.sign(payload),
        )

    def sign(self, payload: bytes, *, timestamp: int | None = None) -> str:
        """The signature header of ``payload``: ``t=<unix time>,v1=<hex HMAC-SHA256>``."""
        if timestamp is None:
            timestamp = int(clock.now().timestamp())
        return f"t={timestamp},v1={_sign(payload, timestamp, self.webhook_secret)}"

    def verify_webhook(self, *, payload: bytes, signature: str) -> WebhookEventData:
        """Check the signature and its age, then parse the event."""
        parts = [item.split("=", 1) for item in signature.split(",") if "=" in item]
        timestamps = [value for name, value in parts if name.strip() == "t"]
        candidates = [value.strip() for name, value in parts if name.strip() == "v1"]
        try:
            timestamp = int(timestamps[0])
        except (IndexError, ValueError):
            raise WebhookSignatureInvalid("The signature has no timestamp.") from None
        expected = _sign(payload, timestamp, self.webhook_secret)
        if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            raise WebhookSignatureInvalid("The signature does not match.")
        if abs(clock.now().timestamp() - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
            raise WebhookSignatureInvalid("The signature is too old.")
        try:
            body = json.loads(payload)
            return WebhookEventData(
                event_id=str(body["id"]), kind=str(body["type"]), data=dict(body["data"])
            )
        except (ValueError, KeyError, TypeError):
            raise WebhookSignatureInvalid("The event cannot be read.") from None


_EVENT_KINDS = {
    (Op.Kind.CHARGE, "succeeded"): EventKind.CHARGE_SUCCEEDED,
    (Op.Kind.CHARGE, "declined"): EventKind.CHARGE_FAILED,
    (Op.Kind.REFUND, "succeeded"): EventKind.REFUND_SUCCEEDED,
    (Op.Kind.TRANSFER, "paid"): EventKind.TRANSFER_PAID,
    (Op.Kind.TRANSFER, "failed"): EventKind.TRANSFER_FAILED,
}


def _charge_result(operation: TestProviderOperation) -> ChargeResult:
    return ChargeResult(
        status=operation.status, provider_ref=operation.ref, message=operation.message
    )
