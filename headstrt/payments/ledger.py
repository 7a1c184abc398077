"""The double-entry ledger: accounts found by their natural key, balanced postings written
once, and the check that everything still adds up.

Posting is the only way money moves. It runs inside the caller's transaction, locks the
accounts it touches in id order, writes the transaction and its entries, and moves the cached
balances by the same amounts. A posting key that exists already returns the earlier
transaction unchanged, so a replayed operation never moves money twice.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.payments.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

# Far above any real session price, far below where integer sums could overflow.
MAX_POSTING_MINOR = 10**12


def account_key(
    kind: str,
    currency: str,
    *,
    owner: User | None = None,
    booking_ref: str = "",
    provider: str = "",
) -> str:
    """The natural key of an account: kind, currency and what it belongs to."""
    owner_part = owner.public_id if owner is not None else ""
    return ":".join([kind, currency, owner_part, booking_ref, provider])


def ledger_account(
    kind: str,
    currency: str,
    *,
    owner: User | None = None,
    booking_ref: str = "",
    provider: str = "",
) -> LedgerAccount:
    """The account for (kind, currency, owner, booking, provider), created when first needed."""
    key = account_key(kind, currency, owner=owner, booking_ref=booking_ref, provider=provider)
    account = LedgerAccount.objects.filter(key=key).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(
                key=key,
                kind=kind,
                currency=currency,
                owner=owner,
                booking_ref=booking_ref,
                provider=provider,
            )
    except IntegrityError:  # created meanwhile by a concurrent posting
        return LedgerAccount.objects.get(key=key)


@dataclass(frozen=True)
class Leg:
    """One intended entry: ``amount_minor`` added to ``account``."""

    account: LedgerAccount
    amount_minor: int


def _check_legs(legs: Sequence[Leg]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        amount = leg.amount_minor
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ValueError(f"ledger amounts are integers of minor units, not {amount!r}")
        if amount == 0 or abs(amount) > MAX_POSTING_MINOR:
            raise ValueError(f"ledger amount out of range: {amount}")
        totals[leg.account.currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise ValueError(f"unbalanced posting: {unbalanced}")


def ledger_post(
    *, key: str, kind: str, legs: Sequence[Leg], booking_ref: str = "", memo: str = ""
) -> LedgerTransaction:
    """Write a balanced transaction once: the same ``key`` again returns the first one.

    Refuses (``insufficient_funds``, 409) a posting that would take a wallet or an escrow
    below zero, and (``escrow_frozen``, 409) one that touches a frozen escrow unless the
    posting is the dispute settlement itself (``kind == "dispute_settlement"``).
    """
    _check_legs(legs)
    with transaction.atomic():
        done = LedgerTransaction.objects.filter(key=key).first()
        if done is not None:
            return done
        ids = sorted({leg.account.pk for leg in legs})
        locked = {
            account.pk: account
            for account in LedgerAccount.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
        }
        done = LedgerTransaction.objects.filter(key=key).first()  # posted while we waited
        if done is not None:
            return done
        for leg in legs:
            account = locked[leg.account.pk]
            if account.frozen and kind != "dispute_settlement":
                raise DomainError(
                    "escrow_frozen",
                    "This money is frozen while a dispute is open; it moves when the dispute "
                    "is settled.",
                    status=409,
                )
            if account.kind in (AccountKind.MENTEE_WALLET, AccountKind.ESCROW) and (
                account.balance_minor + _total_for(account, legs) < 0
            ):
                raise DomainError(
                    "insufficient_funds",
                    "There is not enough money in this account for that.",
                    status=409,
                )
        posted = LedgerTransaction.objects.create(
            key=key, kind=kind, booking_ref=booking_ref, memo=memo[:200], created_at=clock.now()
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                transaction=posted,
                account_id=leg.account.pk,
                amount_minor=leg.amount_minor,
                currency=leg.account.currency,
            )
            for leg in legs
        )
        for account_id, amount in _per_account(legs).items():
            LedgerAccount.objects.filter(pk=account_id).update(
                balance_minor=F("balance_minor") + amount
            )
    return posted


def _per_account(legs: Sequence[Leg]) -> dict[int, int]:
    amounts: dict[int, int] = defaultdict(int)
    for leg in legs:
        amounts[leg.account.pk] += leg.amount_minor
    return amounts


def _total_for(account: LedgerAccount, legs: Sequence[Leg]) -> int:
    return sum(leg.amount_minor for leg in legs if leg.account.pk == account.pk)


def balance_of(account: LedgerAccount) -> int:
    """The account's balance derived from its entries (the cached one should match)."""
    return account.entries.aggregate(total=Sum("amount_minor"))["total"] or 0


@dataclass(frozen=True)
class Reconciliation:
    """Whether the ledger adds up: per currency the entries sum to zero, and every cached
    balance equals the sum of its account's entries."""

    totals: dict[str, int]
    mismatched_accounts: list[tuple[str, int, int]]
    unbalanced_transactions: list[str]

    @property
    def balanced(self) -> bool:
        return (
            not any(self.totals.values())
            and not self.mismatched_accounts
            and not self.unbalanced_transactions
        )


def ledger_reconcile() -> Reconciliation:
    """Check the whole ledger in three aggregate queries."""
    totals = {
        row["currency"]: row["total"]
        for row in LedgerEntry.objects.values("currency").annotate(total=Sum("amount_minor"))
    }
    derived = {
        row["account"]: row["total"]
        for row in LedgerEntry.objects.values("account").annotate(total=Sum("amount_minor"))
    }
    mismatched = [
        (account.key, account.balance_minor, derived.get(account.pk, 0))
        for account in LedgerAccount.objects.only("key", "balance_minor")
        if account.balance_minor != derived.get(account.pk, 0)
    ]
    unbalanced = list(
        LedgerEntry.objects.values("transaction__key", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
        .values_list("transaction__key", flat=True)
    )
    return Reconciliation(
        totals=totals, mismatched_accounts=mismatched, unbalanced_transactions=unbalanced
    )


def escrow_held_for(*, booking_refs: Sequence[str]) -> int:
    """How many of these bookings still hold money in escrow (not yet released or refunded)."""
    return LedgerAccount.objects.filter(
        kind=AccountKind.ESCROW, booking_ref__in=list(booking_refs), balance_minor__gt=0
    ).count()
