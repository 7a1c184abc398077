"""Faults between the provider and the ledger: a crash after the charge, lost answers,
duplicate and out-of-order webhooks, a provider that is down for refunds. Whatever
settles the payment afterwards (a retry, the webhook, the sweep), nothing is lost and
nothing is created twice."""

import pytest

from headstrt.payments import services, webhooks
from headstrt.payments.models import LedgerTransaction, Payment, PaymentStatus, Refund
from headstrt.payments.providers.base import ChargeResult, ProviderUnavailable
from headstrt.payments.providers.test import (
    CARD_DECLINED,
    CARD_FAILS_AFTER_CHARGE,
    TestProvider,
)
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Booking, BookingStatus
from tests.factories import UserFactory
from tests.payments.flows import (
    escrow,
    money_state,
    paid_booking,
    pay,
    provider_charges,
    provider_refunds,
)
from tests.scheduling.sessions import hold, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "reconciled")]


class Crash(Exception):
    """The process dies here."""


def crash_once(monkeypatch, owner, name):
    """Make ``owner.name`` raise ``Crash`` on its next call only."""
    original = getattr(owner, name)
    calls = []

    def crashing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise Crash(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, crashing)


def deliver_webhooks() -> list[str]:
    """Deliver every event the test provider has, as it would, through the webhook."""
    provider = TestProvider()
    return [
        webhooks.webhook_receive(
            provider_name="test", payload=event.payload, signature=event.signature
        )
        for event in provider.events_since(0)
    ]


def settle_by_retry(frozen, mentee, booking):
    pay(mentee, booking)


def settle_by_webhook(frozen, mentee, booking):
    assert deliver_webhooks() == ["applied"]


def settle_by_sweep(frozen, mentee, booking):
    frozen.move(minutes=6)
    assert services.payments_recheck_pending() == 1


SETTLE = [settle_by_retry, settle_by_webhook, settle_by_sweep]


@pytest.mark.parametrize(
    ("owner", "name"),
    [(services, "ledger_post"), (services.scheduling, "booking_checkout_finish")],
    ids=["before the posting", "after the posting, before the confirmation"],
)
@pytest.mark.parametrize("settle", SETTLE, ids=lambda settle: settle.__name__)
def test_a_crash_after_the_charge_is_settled_later_with_nothing_lost_or_doubled(
    frozen, mentor, mentee, monkeypatch, owner, name, settle
):
    held = hold(mentor, mentee)
    crash_once(monkeypatch, owner, name)

    with pytest.raises(Crash):
        pay(mentee, held)

    # The charge was taken, the apply step rolled back as a whole: nothing half-written.
    assert provider_charges() == 1 and not LedgerTransaction.objects.exists()
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert Booking.objects.get().status == BookingStatus.HELD
    settle(frozen, mentee, held)
    after = money_state()
    assert Booking.objects.get().status == BookingStatus.CONFIRMED and escrow(held) == 4000
    assert provider_charges() == 1 and LedgerTransaction.objects.count() == 1
    # Every other way of settling it, replayed now, changes nothing.
    assert deliver_webhooks()[0] in {"unchanged", "duplicate"}
    assert deliver_webhooks() == ["duplicate"]
    refused("already_paid", pay, mentee=mentee, booking=held)
    frozen.move(minutes=10)
    assert services.payments_recheck_pending() == 0
    assert money_state() == after


def test_a_webhook_before_the_retry_leaves_the_retry_nothing_to_do(mentor, mentee):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)
    assert deliver_webhooks() == ["applied"]
    after = money_state()

    refused("already_paid", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)

    assert money_state() == after and provider_charges() == 1


def test_a_decline_webhook_after_the_decline_changes_nothing(mentor, mentee):
    held = hold(mentor, mentee)
    refused("card_declined", pay, mentee=mentee, booking=held, card=CARD_DECLINED)
    before = money_state()

    assert deliver_webhooks() == ["unchanged"]
    assert deliver_webhooks() == ["duplicate"]

    assert money_state() == before


def test_a_success_heard_after_a_decline_is_still_recorded(mentor, mentee):
    """Answers can arrive in any order; money the provider says it took is never ignored."""
    held = hold(mentor, mentee)
    refused("card_declined", pay, mentee=mentee, booking=held, card=CARD_DECLINED)
    payment = Payment.objects.get()

    services.payment_settle(
        key=payment.key, result=ChargeResult(status="succeeded", provider_ref="ch_x")
    )
    services.payment_settle(key=payment.key, result=ChargeResult(status="declined"))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    # The slot was still free, so the session is booked with that money.
    assert Booking.objects.get().status == BookingStatus.CONFIRMED and escrow(held) == 4000


def test_a_refund_while_the_provider_is_down_is_sent_by_the_sweep_once(
    frozen, mentor, mentee, monkeypatch, committed
):
    booking = paid_booking(mentor, mentee)
    original = TestProvider.refund

    def down(self, **kwargs):
        raise ProviderUnavailable("down")

    monkeypatch.setattr(TestProvider, "refund", down)
    with committed():
        scheduling.booking_cancel(user=mentor.user, booking_id=booking.public_id)
    assert Refund.objects.get().status == PaymentStatus.PENDING and provider_refunds() == []
    monkeypatch.setattr(TestProvider, "refund", original)
    assert services.refunds_send_pending() == 0  # too early: the task may still run

    frozen.move(minutes=6)

    assert services.refunds_send_pending() == 1
    assert services.refunds_send_pending() == 0
    assert Refund.objects.get().status == PaymentStatus.SUCCEEDED
    assert provider_refunds() == [4000]


def test_a_refund_whose_answer_was_lost_is_not_given_twice(
    frozen, mentor, mentee, monkeypatch, committed
):
    booking = paid_booking(mentor, mentee)
    original = TestProvider.refund

    def answer_lost(self, **kwargs):
        original(self, **kwargs)
        raise ProviderUnavailable("answer lost")

    monkeypatch.setattr(TestProvider, "refund", answer_lost)
    with committed():
        scheduling.booking_cancel(user=mentor.user, booking_id=booking.public_id)
    monkeypatch.setattr(TestProvider, "refund", original)
    frozen.move(minutes=6)

    assert services.refunds_send_pending() == 1
    assert provider_refunds() == [4000] and Refund.objects.get().provider_ref.startswith("re_")


def test_a_refund_task_lost_after_commit_is_sent_by_the_sweep(frozen, mentor, mentee):
    booking = paid_booking(mentor, mentee)
    # Without ``committed()`` the after-commit enqueue never runs: as if the process died.
    scheduling.booking_cancel(user=mentor.user, booking_id=booking.public_id)
    assert Refund.objects.get().status == PaymentStatus.PENDING

    frozen.move(minutes=6)
    services.refunds_send_pending()

    assert Refund.objects.get().status == PaymentStatus.SUCCEEDED and provider_refunds() == [4000]


def test_retries_during_an_outage_never_charge_twice(frozen, mentor, mentee, monkeypatch):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)

    def down(self, *args, **kwargs):
        raise ProviderUnavailable("down")

    with monkeypatch.context() as outage:
        outage.setattr(TestProvider, "retrieve_charge", down)
        outage.setattr(TestProvider, "charge", down)
        for _ in range(3):
            frozen.move(minutes=1)
            refused("payment_pending", pay, mentee=mentee, booking=held)
    assert Booking.objects.get().status == BookingStatus.HELD  # still held for the mentee
    booking = pay(mentee, held)

    assert booking.status == BookingStatus.CONFIRMED
    assert provider_charges() == 1 and Payment.objects.count() == 1
    assert LedgerTransaction.objects.count() == 1


def test_a_sweep_during_an_outage_leaves_payments_pending(frozen, mentor, mentee, monkeypatch):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)

    def down(self, key):
        raise ProviderUnavailable("down")

    monkeypatch.setattr(TestProvider, "retrieve_charge", down)
    frozen.move(minutes=6)

    assert services.payments_recheck_pending() == 0
    assert Payment.objects.get().status == PaymentStatus.PENDING


@pytest.mark.parametrize("settle", SETTLE, ids=lambda settle: settle.__name__)
def test_a_timeout_after_the_charge_with_the_slot_taken_meanwhile_is_refunded(
    frozen, mentor, mentee, settle, committed
):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)
    frozen.move(minutes=20)
    paid_booking(mentor, UserFactory())

    with committed():
        if settle is settle_by_retry:
            refused("hold_expired", pay, mentee=mentee, booking=held)
        elif settle is settle_by_webhook:
            assert deliver_webhooks()[0] == "applied"
        else:
            settle(frozen, mentee, held)

    assert escrow(held) == 0 and provider_refunds() == [4000]
    assert Payment.objects.get(booking=held).refunded_minor == 4000
