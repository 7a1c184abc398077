"""Shared set-up for the payments flow tests: paying through the services with the test
provider's cards, and reading money back from the ledger and the provider's records."""

from datetime import time

from headstrt.payments import services
from headstrt.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerTransaction,
    Payment,
    Refund,
    TestProviderOperation,
)
from headstrt.payments.providers.test import CARD_SUCCEEDS
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Booking
from tests.factories import MentorProfileFactory
from tests.scheduling.sessions import TUESDAY_9, hold


def priced_mentor(price: int, currency: str = "EUR"):
    """A mentor in Paris, free on Tuesdays 09:00–12:00, offering 30 minutes at ``price``."""
    profile = MentorProfileFactory(
        offers={30: price}, currency=currency, user__time_zone="Europe/Paris"
    )
    scheduling.availability_set(user=profile.user, rules=[(1, time(9), time(12))])
    return profile


def pay(mentee, booking, card=CARD_SUCCEEDS, objective="Ask for 15% more", agenda=""):
    """``mentee`` checks out ``booking`` paying with ``card``."""
    return services.booking_pay(
        mentee=mentee,
        booking_id=booking.public_id,
        objective=objective,
        agenda=agenda,
        source=card,
    )


def paid_booking(mentor, mentee, start=TUESDAY_9, minutes=30, card=CARD_SUCCEEDS) -> Booking:
    """Hold a slot and pay for it."""
    return pay(mentee, hold(mentor, mentee, start=start, minutes=minutes), card=card)


def balance(kind, *, currency="EUR", **owner) -> int:
    """The cached balance of one account (0 when it was never used)."""
    accounts = LedgerAccount.objects.filter(kind=kind, currency=currency)
    if "user" in owner:
        accounts = accounts.filter(owner=owner["user"])
    if "booking" in owner:
        accounts = accounts.filter(booking_ref=owner["booking"].public_id)
    return sum(accounts.values_list("balance_minor", flat=True))


def escrow(booking) -> int:
    return balance(AccountKind.ESCROW, currency=booking.currency, booking=booking)


def earnings(user, currency="EUR") -> int:
    return balance(AccountKind.MENTOR_EARNINGS, currency=currency, user=user)


def fees(currency="EUR") -> int:
    return balance(AccountKind.PLATFORM_FEES, currency=currency)


def money_state() -> tuple:
    """Everything a money operation could change, to show a refused or replayed one did not."""
    return (
        sorted(LedgerTransaction.objects.values_list("key", flat=True)),
        sorted(LedgerAccount.objects.values_list("key", "balance_minor", "frozen")),
        sorted(Payment.objects.values_list("key", "status", "refunded_minor")),
        sorted(Refund.objects.values_list("key", "amount_minor", "status")),
        TestProviderOperation.objects.count(),
    )


def provider_charges(status="succeeded") -> int:
    return TestProviderOperation.objects.filter(kind="charge", status=status).count()


def provider_refunds() -> list[int]:
    return sorted(
        TestProviderOperation.objects.filter(kind="refund").values_list("amount_minor", flat=True)
    )
