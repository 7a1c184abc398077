"""Payouts: who is paid, when, and that earnings leave exactly once and only when paid."""

from datetime import UTC, datetime

import pytest

from headstrt.core.errors import DomainError
from headstrt.core.money import Money
from headstrt.payments.ledger import Leg, ledger_account, ledger_post, ledger_reconcile
from headstrt.payments.models import (
    AccountKind,
    LedgerTransaction,
    Payout,
    PayoutDestination,
    TestProviderOperation,
)
from headstrt.payments.payouts import (
    payout_destination_set,
    payout_settle,
    payouts_run,
    payouts_run_task,
)
from headstrt.payments.providers.base import ProviderUnavailable, TransferResult
from headstrt.payments.providers.test import (
    DESTINATION_CLOSED,
    DESTINATION_LOST_ANSWER,
    TestProvider,
)
from tests.clock import frozen_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

frozen = frozen_at(datetime(2030, 3, 4, 9, 0, tzinfo=UTC))


@pytest.fixture
def mentor():
    person = UserFactory()
    payout_destination_set(user=person, provider="test", account_ref="acct_mentor")
    return person


def earn(mentor, amount, currency="EUR", key=None):
    """Money reaches the mentor's earnings (as a release or a tip would bring it)."""
    ledger_post(
        key=key or f"earn:{mentor.public_id}:{currency}:{amount}",
        kind="tip",
        legs=[
            Leg(ledger_account(AccountKind.PROVIDER_CLEARING, currency, provider="test"), -amount),
            Leg(ledger_account(AccountKind.MENTOR_EARNINGS, currency, owner=mentor), amount),
        ],
    )


def balance(mentor, kind=AccountKind.MENTOR_EARNINGS, currency="EUR"):
    return ledger_account(kind, currency, owner=mentor).balance_minor


def transfers():
    return TestProviderOperation.objects.filter(kind="transfer")


def test_a_mentor_over_the_minimum_is_paid_their_earnings(mentor):
    earn(mentor, 4500)

    assert payouts_run() == 1

    payout = Payout.objects.get()
    assert (payout.mentor, payout.amount_minor, payout.currency) == (mentor, 4500, "EUR")
    assert payout.status == "paid" and payout.provider_ref.startswith("tr_test_")
    assert payout.key == f"payout:{mentor.public_id}:EUR:2030-03-04"
    assert balance(mentor) == 0 and balance(mentor, AccountKind.PAYOUTS) == 4500
    assert transfers().get().ref == payout.provider_ref
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
    assert ledger_reconcile().balanced


def test_below_the_minimum_nobody_is_paid(mentor, settings):
    earn(mentor, 1999)
    assert payouts_run() == 0

    settings.HEADSTRT_PAYOUT_MINIMUM_MINOR = 1000
    assert payouts_run() == 1
    assert balance(mentor) == 0


def test_the_minimum_is_exactly_enough(mentor):
    earn(mentor, 2000)

    assert payouts_run() == 1


def test_a_mentor_without_a_destination_is_not_paid():
    mentor = UserFactory()
    earn(mentor, 5000)

    assert payouts_run() == 0
    assert not Payout.objects.exists() and balance(mentor) == 5000


def test_a_destination_with_another_provider_waits(mentor):
    payout_destination_set(user=mentor, provider="stripe", account_ref="acct_123")
    earn(mentor, 5000)

    assert payouts_run() == 0
    assert not Payout.objects.exists() and not transfers().exists()


def test_each_currency_is_paid_on_its_own(mentor):
    earn(mentor, 3000, "EUR")
    earn(mentor, 2500, "USD")
    earn(UserFactory(), 9000)  # no destination

    assert payouts_run() == 2
    assert sorted(Payout.objects.values_list("currency", "amount_minor")) == [
        ("EUR", 3000),
        ("USD", 2500),
    ]


def test_a_mentor_is_paid_at_most_once_a_day(mentor, frozen):
    earn(mentor, 3000)
    assert payouts_run() == 1

    earn(mentor, 4000)
    frozen.move(hours=14)  # 23:00 the same day
    assert payouts_run() == 0
    assert payouts_run() == 0
    assert balance(mentor) == 4000

    frozen.move(hours=2)  # the next day
    assert payouts_run() == 1
    assert balance(mentor) == 0 and balance(mentor, AccountKind.PAYOUTS) == 7000
    assert transfers().count() == 2 and ledger_reconcile().balanced


def test_a_failed_transfer_leaves_the_earnings(mentor, frozen):
    payout_destination_set(user=mentor, provider="test", account_ref=DESTINATION_CLOSED)
    earn(mentor, 5000)

    assert payouts_run() == 0

    payout = Payout.objects.get()
    assert payout.status == "failed"
    assert balance(mentor) == 5000 and balance(mentor, AccountKind.PAYOUTS) == 0
    assert not LedgerTransaction.objects.filter(kind="payout").exists()
    assert payouts_run() == 0 and Payout.objects.count() == 1  # not again today

    payout_destination_set(user=mentor, provider="test", account_ref="acct_new")
    frozen.move(days=1)
    assert payouts_run() == 1
    assert balance(mentor) == 0


def test_an_unanswered_transfer_is_asked_again_and_paid_once(mentor, frozen):
    payout_destination_set(user=mentor, provider="test", account_ref=DESTINATION_LOST_ANSWER)
    earn(mentor, 5000)

    assert payouts_run() == 0
    assert Payout.objects.get().status == "pending"
    assert balance(mentor) == 5000  # not moved before the provider says it was paid

    frozen.move(minutes=10)
    assert payouts_run() == 1

    payout = Payout.objects.get()
    assert payout.status == "paid" and payout.amount_minor == 5000
    assert transfers().count() == 1
    assert balance(mentor) == 0 and balance(mentor, AccountKind.PAYOUTS) == 5000
    assert payouts_run() == 0 and ledger_reconcile().balanced


def test_a_retried_payout_goes_where_it_was_opened_for(mentor, frozen):
    payout_destination_set(user=mentor, provider="test", account_ref=DESTINATION_LOST_ANSWER)
    earn(mentor, 5000)
    assert payouts_run() == 0  # the answer is lost: pending

    payout_destination_set(user=mentor, provider="test", account_ref="acct_new_bank")
    frozen.move(minutes=10)

    assert payouts_run() == 1
    [transfer] = transfers()
    assert Payout.objects.get().destination == DESTINATION_LOST_ANSWER
    assert transfer.key == Payout.objects.get().key and balance(mentor) == 0


def test_one_payout_that_breaks_does_not_stop_the_others(mentor, monkeypatch):
    other = UserFactory()
    payout_destination_set(user=other, provider="test", account_ref="acct_other")
    earn(mentor, 5000)
    earn(other, 5000)
    real_transfer = TestProvider.transfer

    def broken_for_mentor(self, *, destination, amount, key):
        if destination == "acct_mentor":
            raise RuntimeError("unexpected")
        return real_transfer(self, destination=destination, amount=amount, key=key)

    monkeypatch.setattr(TestProvider, "transfer", broken_for_mentor)

    assert payouts_run() == 1
    assert balance(other) == 0 and balance(mentor) == 5000


def test_a_provider_that_stays_down_pays_nothing_and_opens_nothing_more(
    mentor, frozen, monkeypatch
):
    def down(self, **kwargs):
        raise ProviderUnavailable("down")

    monkeypatch.setattr(TestProvider, "transfer", down)
    earn(mentor, 5000)

    for _ in range(3):
        assert payouts_run() == 0
        frozen.move(days=1)

    assert Payout.objects.get().status == "pending"
    assert balance(mentor) == 5000 and not transfers().exists()


def test_settling_a_payout_twice_posts_once(mentor):
    earn(mentor, 5000)
    payouts_run()
    payout = Payout.objects.get()

    again = payout_settle(payout=payout, result=TransferResult(status="paid", provider_ref="x"))
    late_failure = payout_settle(payout=payout, result=TransferResult(status="failed"))

    assert (again, late_failure) == (False, False)
    payout.refresh_from_db()
    assert payout.status == "paid" and payout.provider_ref != "x"
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
    assert balance(mentor, AccountKind.PAYOUTS) == 5000


def test_the_background_task_runs_the_payouts(mentor):
    earn(mentor, 5000)

    payouts_run_task.enqueue()

    assert Payout.objects.get().status == "paid"


def test_a_payout_destination(mentor):
    destination = payout_destination_set(user=mentor, provider="stripe", account_ref=" acct_1X ")

    assert (destination.provider, destination.account_ref) == ("stripe", "acct_1X")
    assert PayoutDestination.objects.get(user=mentor) == destination


@pytest.mark.parametrize(
    ("provider", "account_ref", "code"),
    [
        ("paypal", "acct_1", "unknown_provider"),
        ("test", "", "invalid_destination"),
        ("test", "acct 1", "invalid_destination"),
        ("test", "a" * 101, "invalid_destination"),
        ("stripe", "ba_123", "invalid_destination"),
    ],
)
def test_a_bad_payout_destination_is_refused(mentor, provider, account_ref, code):
    with pytest.raises(DomainError) as refused:
        payout_destination_set(user=mentor, provider=provider, account_ref=account_ref)

    assert refused.value.code == code
    kept = PayoutDestination.objects.get(user=mentor)
    assert (kept.provider, kept.account_ref) == ("test", "acct_mentor")


def test_payouts_run_is_money_exact(mentor):
    earn(mentor, 2345, "JPY")

    payouts_run()

    operation = transfers().get()
    assert Money(operation.amount_minor, operation.currency) == Money(2345, "JPY")
