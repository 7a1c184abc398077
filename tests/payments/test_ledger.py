"""The ledger: balanced postings written once, cached balances, the database's refusals."""

import pytest
from django.db import DatabaseError, connection, transaction

from headstrt.core.errors import DomainError
from headstrt.payments.ledger import Leg, ledger_account, ledger_post, ledger_reconcile
from headstrt.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    WrittenOnce,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts():
    mentee = UserFactory()
    return {
        "clearing": ledger_account(AccountKind.PROVIDER_CLEARING, "EUR", provider="test"),
        "wallet": ledger_account(AccountKind.MENTEE_WALLET, "EUR", owner=mentee),
        "escrow": ledger_account(AccountKind.ESCROW, "EUR", booking_ref="b1"),
    }


def pay(accounts, key="pay-1", amount=4000):
    return ledger_post(
        key=key,
        kind="booking_payment",
        legs=[
            Leg(accounts["clearing"], -amount),
            Leg(accounts["wallet"], amount),
            Leg(accounts["wallet"], -amount),
            Leg(accounts["escrow"], amount),
        ],
    )


def balances():
    return dict(LedgerAccount.objects.values_list("kind", "balance_minor"))


def test_a_posting_moves_balances_and_the_ledger_adds_up(accounts):
    pay(accounts)

    assert balances() == {"provider_clearing": -4000, "mentee_wallet": 0, "escrow": 4000}
    report = ledger_reconcile()
    assert report.balanced and report.totals == {"EUR": 0}


def test_the_same_key_posts_once(accounts):
    first = pay(accounts)
    again = pay(accounts)

    assert again.pk == first.pk and LedgerTransaction.objects.count() == 1
    assert balances()["escrow"] == 4000


@pytest.mark.parametrize("amounts", [(-4000, 3999), (0, 0), (-1.5, 1.5), (True, -1)])
def test_unbalanced_zero_and_non_integer_postings_are_refused(accounts, amounts):
    with pytest.raises(ValueError):
        ledger_post(
            key="bad",
            kind="test",
            legs=[Leg(accounts["clearing"], amounts[0]), Leg(accounts["escrow"], amounts[1])],
        )

    assert not LedgerEntry.objects.exists() and ledger_reconcile().balanced


def test_no_escrow_or_wallet_goes_below_zero(accounts):
    pay(accounts)

    with pytest.raises(DomainError) as refused:
        ledger_post(
            key="too-much",
            kind="refund",
            legs=[Leg(accounts["escrow"], -4001), Leg(accounts["clearing"], 4001)],
        )

    assert refused.value.code == "insufficient_funds"
    assert balances()["escrow"] == 4000 and LedgerTransaction.objects.count() == 1


def test_a_frozen_escrow_moves_only_in_a_dispute_settlement(accounts):
    pay(accounts)
    LedgerAccount.objects.filter(pk=accounts["escrow"].pk).update(frozen=True)
    legs = [Leg(accounts["escrow"], -4000), Leg(accounts["clearing"], 4000)]

    with pytest.raises(DomainError) as refused:
        ledger_post(key="release", kind="escrow_release", legs=legs)
    ledger_post(key="settled", kind="dispute_settlement", legs=legs)

    assert refused.value.code == "escrow_frozen" and balances()["escrow"] == 0


def test_ledger_rows_cannot_be_changed_or_deleted(accounts):
    posted = pay(accounts)
    entry = posted.entries.first()

    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_minor=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerTransaction.objects.filter(pk=posted.pk).update(kind="other")
    with pytest.raises(WrittenOnce):
        entry.delete()
    with pytest.raises(WrittenOnce):
        posted.delete()
    if connection.vendor == "postgresql":  # SQLite's test reset deletes rows, so only here
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount_minor == entry.amount_minor


def test_reconciliation_notices_a_cached_balance_that_drifted(accounts):
    pay(accounts)
    LedgerAccount.objects.filter(pk=accounts["escrow"].pk).update(balance_minor=1)

    report = ledger_reconcile()

    assert not report.balanced
    assert report.mismatched_accounts == [(accounts["escrow"].key, 1, 4000)]
