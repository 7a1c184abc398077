"""The interface every payment provider implements, and the values it answers with."""

from dataclasses import dataclass, field
from typing import Protocol

from headstrt.core.money import Money


class ProviderUnavailable(Exception):
    """The provider did not answer (timeout, connection error, 5xx): the outcome is unknown.

    The caller keeps the payment pending; a retry with the same idempotency key, or the
    provider's webhook, settles it.
    """


@dataclass(frozen=True)
class ChargeResult:
    """The provider's answer to a charge: ``succeeded`` or ``declined`` (with a reason)."""

    status: str
    provider_ref: str = ""
    message: str = ""


@dataclass(frozen=True)
class RefundResult:
    """The provider's answer to a refund."""

    status: str
    provider_ref: str = ""


@dataclass(frozen=True)
class TransferResult:
    """The provider's answer to a transfer to a mentor."""

    status: str
    provider_ref: str = ""


@dataclass(frozen=True)
class WebhookEventData:
    """A verified provider event: its id (for deduplication), its type and its object."""

    event_id: str
    kind: str
    data: dict = field(default_factory=dict)


class WebhookSignatureInvalid(Exception):
    """A webhook whose signature does not verify: it is refused and nothing happens."""


class PaymentProvider(Protocol):
    """What the payments services need from a provider. Every call that moves money takes
    the platform's idempotency key, so a retry never moves it twice."""

    name: str

    def charge(self, *, amount: Money, source: str, key: str, description: str) -> ChargeResult:
        """Charge ``amount`` to the payment method ``source`` (a card token)."""

    def refund(self, *, charge_ref: str, amount: Money, key: str) -> RefundResult:
        """Give back ``amount`` of an earlier charge."""

    def transfer(self, *, destination: str, amount: Money, key: str) -> TransferResult:
        """Pay ``amount`` out to a mentor's account ``destination``."""

    def verify_webhook(self, *, payload: bytes, signature: str) -> WebhookEventData:
        """Verify and parse a webhook, or raise ``WebhookSignatureInvalid``."""
