"""The interface every payment provider implements, and the values it answers with."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from headstrt.core.money import Money


class ProviderUnavailable(Exception):
    """The provider did not answer (timeout, connection error, 5xx): the outcome is unknown.

    The caller keeps the payment pending; a retry with the same idempotency key, or the
    provider's webhook, settles it.
    """


@dataclass(frozen=True)
class ChargeResult:
    """The provider's answer about a charge: ``succeeded`` or ``declined`` (with a reason in
    ``message``); ``retrieve_charge`` may also answer ``pending`` (the provider has the charge
    but has not decided yet)."""

    status: str
    provider_ref: str = ""
    message: str = ""


@dataclass(frozen=True)
class RefundResult:
    """The provider's answer to a refund: ``succeeded``, ``pending`` (it settles later, by
    webhook) or ``failed`` (with the provider's reason)."""

    status: str
    provider_ref: str = ""
    message: str = ""


@dataclass(frozen=True)
class TransferResult:
    """The provider's answer to a transfer to a mentor: ``paid`` or ``failed`` (with the
    provider's reason)."""

    status: str
    provider_ref: str = ""
    message: str = ""


class EventKind(StrEnum):
    """The provider events the platform acts on, whatever each provider calls them."""

    CHARGE_SUCCEEDED = "charge.succeeded"
    CHARGE_FAILED = "charge.failed"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    TRANSFER_PAID = "transfer.paid"
    TRANSFER_FAILED = "transfer.failed"


@dataclass(frozen=True)
class WebhookEventData:
    """A verified provider event: its id (for deduplication), its kind and what it is about.

    ``kind`` is an ``EventKind`` value, or the provider's own event type for events the
    platform does not act on. ``data`` holds ``key`` (the platform's idempotency key of the
    charge, refund or transfer), ``ref`` (the provider's id of it), ``charge_ref`` (for a
    refund, the charge it gives back) and ``message`` (why it failed), each possibly empty.
    """

    event_id: str
    kind: str
    data: dict = field(default_factory=dict)


class WebhookSignatureInvalid(Exception):
    """A webhook whose signature does not verify: it is refused and nothing happens."""


class PaymentProvider(Protocol):
    """What the payments services need from a provider. Every call that moves money takes
    the platform's idempotency key, so a retry never moves it twice.

    ``name`` is stored on payments and ledger accounts; ``signature_header`` names the HTTP
    header that carries a webhook's signature.
    """

    name: str
    signature_header: str

    def charge(self, *, amount: Money, source: str, key: str, description: str) -> ChargeResult:
        """Charge ``amount`` to the payment method ``source`` (a card token)."""

    def retrieve_charge(self, key: str) -> ChargeResult | None:
        """The charge made with idempotency key ``key``, or None if the provider has none."""

    def refund(self, *, charge_ref: str, amount: Money, key: str) -> RefundResult:
        """Give back ``amount`` of an earlier charge."""

    def transfer(self, *, destination: str, amount: Money, key: str) -> TransferResult:
        """Pay ``amount`` out to a mentor's account ``destination``."""

    def verify_webhook(self, *, payload: bytes, signature: str) -> WebhookEventData:
        """Verify and parse a webhook, or raise ``WebhookSignatureInvalid``."""
