"""Provider webhooks: verified, applied once, in any order; and their HTTP endpoint."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from headstrt.core.errors import DomainError, NotFound
from headstrt.core.money import Money
from headstrt.payments import services
from headstrt.payments.ledger import Leg, ledger_account, ledger_post, ledger_reconcile
from headstrt.payments.models import (
    LedgerAccount,
    LedgerTransaction,
    Payment,
    Payout,
    Refund,
    WebhookEvent,
)
from headstrt.payments.payouts import payout_destination_set, payouts_run
from headstrt.payments.providers.base import EventKind
from headstrt.payments.providers.test import DESTINATION_LOST_ANSWER, TestProvider
from headstrt.payments.webhooks import webhook_receive
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import BookingStatus
from tests.clock import frozen_at
from tests.factories import UserFactory
from tests.scheduling.sessions import NOW, hold, refused
from tests.scheduling.sessions import paris_mentor as _paris_mentor
from tests.scheduling.sessions import tokyo_mentee as _tokyo_mentee

pytestmark = pytest.mark.django_db

GOOD_CARD = "4242 4242 4242 4242"
ANSWER_LOST = "4000 0000 0000 0119"
URL = "/api/v1/payments/webhooks"

frozen = frozen_at(NOW)


@pytest.fixture
def mentor(db):
    return _paris_mentor()


@pytest.fixture
def mentee(db):
    return _tokyo_mentee()


@pytest.fixture
def tp():
    return TestProvider()


def pay(mentor, mentee, card=GOOD_CARD):
    """Hold Tuesday 09:00 and pay for it; the booking, or None if the answer was lost."""
    booking = hold(mentor, mentee)
    try:
        return services.booking_pay(
            mentee=mentee,
            booking_id=booking.public_id,
            objective="Ask for 15% more",
            agenda="",
            source=card,
        )
    except DomainError as error:
        assert error.code == "payment_pending"
        return None


def deliver(tp, event):
    return webhook_receive(provider_name="test", payload=event.payload, signature=event.signature)


def crafted(tp, event_id, kind, **data):
    """An event the test provider signs but would not send by itself (e.g. out of order)."""
    payload = json.dumps({"id": event_id, "type": kind, "data": data}).encode()
    return webhook_receive(provider_name="test", payload=payload, signature=tp.sign(payload))


def money_state():
    """Everything a webhook could change, to compare before and after."""
    return (
        list(Payment.objects.order_by("pk").values_list("status", "refunded_minor")),
        list(Refund.objects.order_by("pk").values_list("status")),
        list(LedgerAccount.objects.order_by("pk").values_list("key", "balance_minor")),
        LedgerTransaction.objects.count(),
    )


def escrow_of(booking):
    return LedgerAccount.objects.get(kind="escrow", booking_ref=booking.public_id).balance_minor


def test_a_lost_answer_is_settled_by_the_webhook_once(mentor, mentee, tp):
    assert pay(mentor, mentee, card=ANSWER_LOST) is None
    payment = Payment.objects.get()
    assert payment.status == "pending"
    [event] = tp.events_since()

    assert deliver(tp, event) == "applied"

    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_ref
    assert payment.booking.status == BookingStatus.CONFIRMED
    assert escrow_of(payment.booking) == 4000
    before = money_state()
    assert deliver(tp, event) == "duplicate"
    assert deliver(tp, tp.events_since()[0]) == "duplicate"  # redelivered, signed anew
    assert money_state() == before
    assert WebhookEvent.objects.get().event_id == event.event_id
    assert ledger_reconcile().balanced


def test_a_webhook_for_what_the_platform_knows_already_changes_nothing(mentor, mentee, tp):
    pay(mentor, mentee)
    before = money_state()

    assert deliver(tp, tp.events_since()[0]) == "unchanged"
    assert money_state() == before


def test_a_failure_after_the_success_changes_nothing(mentor, mentee, tp):
    booking = pay(mentor, mentee)
    payment = Payment.objects.get()
    before = money_state()

    outcome = crafted(
        tp, "evt_late_failure", EventKind.CHARGE_FAILED, key=payment.key, message="Declined."
    )

    assert outcome == "unchanged" and money_state() == before
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and escrow_of(booking) == 4000


def test_a_success_after_a_failure_is_recorded(mentor, mentee, tp):
    """The failure of an earlier attempt arrives, then the success the provider did make."""
    pay(mentor, mentee, card=ANSWER_LOST)
    payment = Payment.objects.get()

    failed = crafted(tp, "evt_attempt", EventKind.CHARGE_FAILED, key=payment.key, message="No.")
    assert failed == "applied"
    payment.refresh_from_db()
    assert payment.status == "declined"

    assert deliver(tp, tp.events_since()[0]) == "applied"

    payment.refresh_from_db()
    assert payment.status == "succeeded"
    # The money taken is in the ledger: in the session's escrow, the slot being still free.
    assert payment.booking.status == BookingStatus.CONFIRMED
    assert escrow_of(payment.booking) == 4000
    assert ledger_reconcile().balanced


def test_a_refund_event_before_the_charge_event(mentor, mentee, tp):
    booking = pay(mentor, mentee)
    scheduling.booking_cancel(user=mentor.user, booking_id=booking.public_id, reason="Ill")
    refund = Refund.objects.get()
    assert refund.status == "pending" and refund.amount_minor == 4000
    # The provider makes the refund, but its answer to the platform is lost.
    tp.refund(
        charge_ref=refund.payment.provider_ref,
        amount=Money(refund.amount_minor, refund.payment.currency),
        key=refund.key,
    )
    charge_event, refund_event = tp.events_since()
    assert refund_event.kind == EventKind.REFUND_SUCCEEDED

    assert deliver(tp, refund_event) == "applied"
    refund.refresh_from_db()
    assert refund.status == "succeeded" and refund.provider_ref.startswith("re_test_")
    before = money_state()
    assert deliver(tp, charge_event) == "unchanged"
    assert deliver(tp, refund_event) == "duplicate"
    assert money_state() == before
    assert ledger_reconcile().balanced


def test_a_refund_failure_after_success_is_recorded_and_a_late_success_is_not(mentor, mentee, tp):
    booking = pay(mentor, mentee)
    scheduling.booking_cancel(user=mentor.user, booking_id=booking.public_id, reason="Ill")
    refund = Refund.objects.get()

    assert crafted(tp, "evt_r1", EventKind.REFUND_SUCCEEDED, key=refund.key) == "applied"
    assert crafted(tp, "evt_r2", EventKind.REFUND_FAILED, key=refund.key) == "applied"
    assert crafted(tp, "evt_r3", EventKind.REFUND_SUCCEEDED, key=refund.key) == "unchanged"
    refund.refresh_from_db()
    assert refund.status == "failed"


def test_events_about_nothing_of_ours_are_recorded_and_ignored(tp):
    before = money_state()

    assert crafted(tp, "evt_a", EventKind.CHARGE_SUCCEEDED, key="unknown") == "ignored"
    assert crafted(tp, "evt_b", EventKind.REFUND_SUCCEEDED, ref="re_unknown") == "ignored"
    assert crafted(tp, "evt_c", EventKind.TRANSFER_PAID) == "ignored"
    assert crafted(tp, "evt_d", "customer.created") == "ignored"

    assert money_state() == before
    assert WebhookEvent.objects.count() == 4
    assert crafted(tp, "evt_d", "customer.created") == "duplicate"


def test_a_payment_of_another_provider_is_not_touched(mentor, mentee, tp):
    pay(mentor, mentee, card=ANSWER_LOST)
    Payment.objects.update(provider="stripe")
    before = money_state()

    assert deliver(tp, tp.events_since()[0]) == "ignored"
    assert money_state() == before


def test_a_lost_payout_answer_is_settled_by_the_webhook_once(tp):
    mentor = UserFactory()
    payout_destination_set(user=mentor, provider="test", account_ref=DESTINATION_LOST_ANSWER)
    _earn(mentor, 5000)
    assert payouts_run() == 0
    [event] = tp.events_since()

    assert deliver(tp, event) == "applied"
    assert deliver(tp, event) == "duplicate"

    payout = Payout.objects.get()
    assert payout.status == "paid"
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
    assert payouts_run() == 0  # nothing left to ask about, nothing paid twice
    assert LedgerAccount.objects.get(kind="mentor_earnings", owner=mentor).balance_minor == 0


def _earn(mentor, amount):
    ledger_post(
        key=f"earn:{mentor.public_id}",
        kind="tip",
        legs=[
            Leg(ledger_account("provider_clearing", "EUR", provider="test"), -amount),
            Leg(ledger_account("mentor_earnings", "EUR", owner=mentor), amount),
        ],
    )


def test_a_bad_signature_is_refused_and_nothing_is_written(mentor, mentee, tp):
    pay(mentor, mentee, card=ANSWER_LOST)
    [event] = tp.events_since()
    before = money_state()

    for signature in ("", "t=1,v1=00", TestProvider(webhook_secret="x").sign(event.payload)):
        error = refused(
            "bad_signature",
            webhook_receive,
            provider_name="test",
            payload=event.payload,
            signature=signature,
        )
        assert error.status == 400

    assert money_state() == before and not WebhookEvent.objects.exists()


def test_an_unknown_or_unconfigured_provider_is_not_found(settings):
    settings.STRIPE_SECRET_KEY = ""
    for name in ("paypal", "stripe"):
        with pytest.raises(NotFound):
            webhook_receive(provider_name=name, payload=b"{}", signature="")


# The HTTP endpoint


def post(client, event, provider="test", header="HTTP_TEST_PROVIDER_SIGNATURE"):
    return client.post(
        f"{URL}/{provider}",
        data=event.payload,
        content_type="application/json",
        **{header: event.signature},
    )


def test_the_endpoint_applies_a_webhook_without_sign_in_or_csrf(mentor, mentee, tp):
    pay(mentor, mentee, card=ANSWER_LOST)
    [event] = tp.events_since()
    client = Client(enforce_csrf_checks=True)

    first = post(client, event)
    again = post(client, event)

    assert (first.status_code, first.json()) == (200, {"status": "applied"})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert Payment.objects.get().status == "succeeded"


def test_the_endpoint_refuses_a_bad_signature(client, mentor, mentee, tp):
    pay(mentor, mentee, card=ANSWER_LOST)
    [event] = tp.events_since()
    before = money_state()

    response = client.post(
        f"{URL}/test",
        data=event.payload,
        content_type="application/json",
        HTTP_TEST_PROVIDER_SIGNATURE="t=1,v1=bad",
    )
    unsigned = client.post(f"{URL}/test", data=event.payload, content_type="application/json")

    for answer in (response, unsigned):
        assert answer.status_code == 400 and answer.json()["code"] == "bad_signature"
    assert money_state() == before and not WebhookEvent.objects.exists()


def test_the_endpoint_reads_the_raw_body(client, tp):
    """The signature covers the exact bytes: a body that is not JSON for ninja still verifies."""
    payload = b'{"id": "evt_raw", "type": "customer.created",   "data": {}}'
    response = client.post(
        f"{URL}/test",
        data=payload,
        content_type="text/plain",
        HTTP_TEST_PROVIDER_SIGNATURE=tp.sign(payload),
    )

    assert (response.status_code, response.json()) == (200, {"status": "ignored"})


def test_the_endpoint_for_an_unknown_provider(client):
    response = client.post(f"{URL}/paypal", data=b"{}", content_type="application/json")

    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_endpoint_takes_only_post(client):
    response = client.get(f"{URL}/test")

    assert response.status_code == 405


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's in-memory test database refuses concurrent writers rather than queueing "
    "them; a real SQLite file serialises them (IMMEDIATE transactions).",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_apply_it_once(tp):
    """Two deliveries at once: the unique event id lets one apply and the other wait and
    find it done."""
    mentor = UserFactory()
    payout_destination_set(user=mentor, provider="test", account_ref=DESTINATION_LOST_ANSWER)
    _earn(mentor, 5000)
    payouts_run()
    [event] = tp.events_since()

    def delivery(_):
        try:
            return deliver(tp, event)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = sorted(pool.map(delivery, range(6)))

    assert outcomes == ["applied"] + ["duplicate"] * 5
    assert Payout.objects.get().status == "paid"
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
