"""Payouts: mentors' earnings transferred to their own account with the provider.

Once a day each mentor with a payout destination whose earnings in a currency reached
``HEADSTRT_PAYOUT_MINIMUM_MINOR`` is paid the whole balance. The Payout row is committed
first, the transfer is asked of the provider outside any transaction with the payout's key,
and only a transfer the provider confirms moves the money in the ledger (earnings to
payouts). A failed transfer leaves the earnings where they were; one whose answer was lost
stays pending and is asked again, with the same key, by the next run or settled by the
provider's webhook. Each step is safe to run twice and from several workers at once.
"""

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django_tasks import task

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.money import Money
from headstrt.payments import providers
from headstrt.payments.ledger import Leg, ledger_account, ledger_post
from headstrt.payments.models import (
    AccountKind,
    LedgerAccount,
    Payout,
    PayoutDestination,
    PayoutStatus,
)
from headstrt.payments.providers.base import (
    PaymentProvider,
    ProviderUnavailable,
    TransferResult,
)

logger = logging.getLogger(__name__)


def payout_destination_set(*, user: User, provider: str, account_ref: str) -> PayoutDestination:
    """Record where ``user`` is paid: their account ``account_ref`` with ``provider`` (for
    Stripe, the connected account id ``acct_…``)."""
    account_ref = (account_ref or "").strip()
    if provider not in providers.PROVIDERS:
        raise DomainError(
            "unknown_provider", "There is no such payment provider.", field="provider"
        )
    if not account_ref or len(account_ref) > 100 or any(char.isspace() for char in account_ref):
        raise DomainError(
            "invalid_destination", "Give the account's id, without spaces.", field="account_ref"
        )
    if provider == "stripe" and not account_ref.startswith("acct_"):
        raise DomainError(
            "invalid_destination",
            "A Stripe account id starts with “acct_”.",
            field="account_ref",
        )
    destination, _ = PayoutDestination.objects.update_or_create(
        user=user, defaults={"provider": provider, "account_ref": account_ref}
    )
    return destination


def payout_key(user: User, currency: str, day: date) -> str:
    """The key of a mentor's payout of one currency on one day (UTC): at most one each."""
    return f"payout:{user.public_id}:{currency}:{day.isoformat()}"


def payouts_run() -> int:
    """Pay out every mentor due today with the configured provider; how many were paid.

    Payouts still waiting for the provider's answer are asked again first; a mentor with
    one is not paid anew until it is settled.
    """
    source = providers.provider()
    paid = 0
    for payout in Payout.objects.filter(provider=source.name, status=PayoutStatus.PENDING):
        paid += _payout_send_guarded(source, payout)
    today = clock.now().date()
    due = (
        LedgerAccount.objects.filter(
            kind=AccountKind.MENTOR_EARNINGS,
            balance_minor__gte=settings.HEADSTRT_PAYOUT_MINIMUM_MINOR,
            owner__payout_destination__provider=source.name,
        )
        .select_related("owner")
        .order_by("pk")
    )
    for account in due:
        payout = _payout_open(account, source.name, today)
        if payout is not None:
            paid += _payout_send_guarded(source, payout)
    return paid


@task()
def payouts_run_task() -> int:
    """Run the payouts (``payouts_run``) in the background."""
    return payouts_run()


def _payout_open(account: LedgerAccount, provider_name: str, today: date) -> Payout | None:
    """Commit the Payout row of an earnings account, unless today's exists or one waits."""
    mentor = account.owner
    with transaction.atomic():
        # The lock makes two runs at once take turns; the unique key decides between them.
        account = LedgerAccount.objects.select_for_update().get(pk=account.pk)
        if account.balance_minor < settings.HEADSTRT_PAYOUT_MINIMUM_MINOR:
            return None
        waiting = Payout.objects.filter(
            mentor=mentor, currency=account.currency, status=PayoutStatus.PENDING
        )
        destination = PayoutDestination.objects.filter(user=mentor, provider=provider_name).first()
        if waiting.exists() or destination is None:
            return None
        payout, created = Payout.objects.get_or_create(
            key=payout_key(mentor, account.currency, today),
            defaults={
                "mentor": mentor,
                "amount_minor": account.balance_minor,
                "currency": account.currency,
                "provider": provider_name,
                "destination": destination.account_ref,
                "created_at": clock.now(),
            },
        )
    return payout if created else None


def _payout_send_guarded(source: PaymentProvider, payout: Payout) -> int:
    """Send one payout; an unexpected failure is logged and the others are still paid."""
    try:
        return _payout_send(source, payout)
    except Exception:
        logger.exception("payout %s failed unexpectedly; it stays %s", payout.key, payout.status)
        return 0


def _payout_send(source: PaymentProvider, payout: Payout) -> int:
    """Ask the provider for the transfer (outside any transaction); 1 if it was paid."""
    amount = Money(payout.amount_minor, payout.currency)
    try:
        result = source.transfer(destination=payout.destination, amount=amount, key=payout.key)
    except ProviderUnavailable:
        logger.warning("payout %s: no answer from %s; asking again later", payout.key, source.name)
        return 0
    return int(payout_settle(payout=payout, result=result) and result.status == PayoutStatus.PAID)


def payout_settle(*, payout: Payout, result: TransferResult) -> bool:
    """Apply the provider's answer about a payout; whether it changed anything.

    ``paid`` marks it paid and posts ``payout`` (earnings to payouts) in one transaction,
    exactly once; ``failed`` marks a pending payout failed and leaves the earnings alone.
    A paid payout stays paid: a later failure is logged for a person to look at.
    """
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout.pk)
        if result.status == PayoutStatus.PAID:
            if payout.status == PayoutStatus.PAID:
                return False
            if payout.status == PayoutStatus.FAILED:
                logger.warning("payout %s: paid after it was reported failed", payout.key)
            payout.status = PayoutStatus.PAID
            payout.provider_ref = result.provider_ref or payout.provider_ref
            payout.save(update_fields=["status", "provider_ref"])
            _payout_post(payout)
            return True
        if result.status == PayoutStatus.FAILED:
            if payout.status == PayoutStatus.PAID:
                logger.error("payout %s: reported failed after it was paid", payout.key)
                return False
            if payout.status == PayoutStatus.FAILED:
                return False
            payout.status = PayoutStatus.FAILED
            payout.provider_ref = result.provider_ref or payout.provider_ref
            payout.save(update_fields=["status", "provider_ref"])
            logger.warning("payout %s failed: %s", payout.key, result.message)
            return True
    return False


def _payout_post(payout: Payout) -> None:
    earnings = ledger_account(AccountKind.MENTOR_EARNINGS, payout.currency, owner=payout.mentor)
    paid_out = ledger_account(AccountKind.PAYOUTS, payout.currency, owner=payout.mentor)
    ledger_post(
        key=payout.key,
        kind="payout",
        legs=[Leg(earnings, -payout.amount_minor), Leg(paid_out, payout.amount_minor)],
        memo=f"Payout {payout.public_id}",
    )
