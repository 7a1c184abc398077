"""The built-in test provider: test cards, idempotent calls, its own records, signed webhooks;
and choosing the provider."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from functools import partial

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from headstrt.core import clock
from headstrt.core.errors import NotFound
from headstrt.core.money import Money
from headstrt.payments.models import TestProviderOperation
from headstrt.payments.providers import provider, provider_named
from headstrt.payments.providers.base import (
    EventKind,
    ProviderUnavailable,
    WebhookSignatureInvalid,
)
from headstrt.payments.providers.test import (
    DECLINED_MESSAGE,
    DESTINATION_CLOSED,
    DESTINATION_LOST_ANSWER,
    DESTINATION_UNREACHABLE,
    NOT_A_CARD_MESSAGE,
    KeyReused,
    TestProvider,
)

pytestmark = pytest.mark.django_db

EUR40 = Money(4000, "EUR")


@pytest.fixture
def tp():
    return TestProvider()


def charge(tp, source="4242 4242 4242 4242", key="pay-1", amount=EUR40):
    return tp.charge(amount=amount, source=source, key=key, description="Session")


def charges():
    return TestProviderOperation.objects.filter(kind="charge")


def test_the_good_card_is_charged_once_per_key(tp):
    first = charge(tp)
    again = charge(tp, source="4242424242424242")

    assert first.status == "succeeded" and first.provider_ref.startswith("ch_test_")
    assert again == first
    operation = charges().get()
    assert (operation.amount_minor, operation.currency, operation.card_last4) == (
        4000,
        "EUR",
        "4242",
    )
    assert "4242424242424242" not in operation.fingerprint  # the number itself is not kept


def test_another_provider_object_sees_the_same_charges(tp):
    """A web server and a worker each make their own provider: the table is what they share."""
    made = charge(tp)

    assert TestProvider().retrieve_charge("pay-1") == made


def test_a_key_reused_for_another_charge_is_refused(tp):
    charge(tp)

    with pytest.raises(KeyReused):
        charge(tp, amount=Money(5000, "EUR"))
    with pytest.raises(KeyReused):
        charge(tp, source="4000 0000 0000 0002")
    assert charges().count() == 1


def test_the_declined_card_is_declined_every_time(tp):
    result = charge(tp, source="4000 0000 0000 0002")

    assert (result.status, result.message) == ("declined", DECLINED_MESSAGE)
    assert charge(tp, source="4000000000000002") == result
    assert tp.retrieve_charge("pay-1") == result
    assert charges().get().status == "declined"


def test_the_card_that_fails_after_the_charge_is_charged_but_the_answer_is_lost(tp):
    with pytest.raises(ProviderUnavailable):
        charge(tp, source="4000 0000 0000 0119")

    found = tp.retrieve_charge("pay-1")
    assert found.status == "succeeded" and found.provider_ref
    # The retry with the same key gets the first charge's answer; nothing is charged twice.
    assert charge(tp, source="4000000000000119") == found
    assert charges().count() == 1


def test_the_unavailable_card_charges_nothing(tp):
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            charge(tp, source="4000 0000 0000 0341")

    assert tp.retrieve_charge("pay-1") is None
    assert not charges().exists()


@pytest.mark.parametrize(
    "source",
    [
        "",
        "4242",
        "4242 4242 4242 424",
        "4242 4242 4242 42424",
        "4242-4242-4242-4242",
        "4242 4242 4242 4241",
        "abcd efgh ijkl mnop",
        "４２４２４２４２４２４２４２４２",
    ],
)
def test_what_is_not_a_card_number_is_declined_without_a_charge(tp, source):
    result = charge(tp, source=source)

    assert (result.status, result.message) == ("declined", NOT_A_CARD_MESSAGE)
    assert not charges().exists()
    # The key is still free for the corrected number.
    assert charge(tp).status == "succeeded"


def test_another_valid_card_number_is_charged(tp):
    assert charge(tp, source="5555 5555 5555 4444").status == "succeeded"


def test_refunds_never_exceed_the_charge(tp):
    paid = charge(tp)

    def refund(amount, key):
        return tp.refund(charge_ref=paid.provider_ref, amount=Money(amount, "EUR"), key=key)

    first = refund(1500, "r1")
    assert first.status == "succeeded" and first.provider_ref.startswith("re_test_")
    assert refund(1500, "r1") == first  # a retry refunds nothing more
    too_much = refund(2600, "r2")
    assert too_much.status == "failed" and "€25.00" in too_much.message
    assert refund(2500, "r2").status == "succeeded"
    assert refund(1, "r3").status == "failed"
    assert TestProviderOperation.objects.filter(kind="refund").count() == 2


@pytest.mark.parametrize("amount", [0, -100])
def test_a_refund_of_nothing_is_refused(tp, amount):
    paid = charge(tp)

    result = tp.refund(charge_ref=paid.provider_ref, amount=Money(amount, "EUR"), key="r1")

    assert result.status == "failed"
    assert not TestProviderOperation.objects.filter(kind="refund").exists()


def test_only_a_paid_charge_can_be_refunded(tp):
    declined = charge(tp, source="4000 0000 0000 0002")

    for charge_ref in (declined.provider_ref, "ch_test_unknown"):
        result = tp.refund(charge_ref=charge_ref, amount=Money(100, "EUR"), key="r1")
        assert result.status == "failed"


def test_a_refund_in_another_currency_is_refused(tp):
    paid = charge(tp)

    result = tp.refund(charge_ref=paid.provider_ref, amount=Money(100, "USD"), key="r1")

    assert result.status == "failed"


def test_transfers(tp):
    paid = tp.transfer(destination="acct_mentor", amount=EUR40, key="t1")
    assert paid.status == "paid" and paid.provider_ref.startswith("tr_test_")
    assert tp.transfer(destination="acct_mentor", amount=EUR40, key="t1") == paid

    closed = tp.transfer(destination=DESTINATION_CLOSED, amount=EUR40, key="t2")
    assert closed.status == "failed" and "closed" in closed.message

    with pytest.raises(ProviderUnavailable):
        tp.transfer(destination=DESTINATION_UNREACHABLE, amount=EUR40, key="t3")
    assert not TestProviderOperation.objects.filter(key="t3").exists()

    with pytest.raises(ProviderUnavailable):
        tp.transfer(destination=DESTINATION_LOST_ANSWER, amount=EUR40, key="t4")
    again = tp.transfer(destination=DESTINATION_LOST_ANSWER, amount=EUR40, key="t4")
    assert again.status == "paid"
    assert TestProviderOperation.objects.filter(kind="transfer", status="paid").count() == 2

    with pytest.raises(KeyReused):
        tp.transfer(destination="acct_other", amount=EUR40, key="t1")


def test_every_operation_has_a_signed_webhook_that_verifies(tp):
    paid = charge(tp)
    charge(tp, source="4000 0000 0000 0002", key="pay-2")
    tp.refund(charge_ref=paid.provider_ref, amount=Money(1000, "EUR"), key="r1")
    tp.transfer(destination="acct_mentor", amount=EUR40, key="t1")
    tp.transfer(destination=DESTINATION_CLOSED, amount=EUR40, key="t2")

    events = tp.events_since()

    assert [event.kind for event in events] == [
        EventKind.CHARGE_SUCCEEDED,
        EventKind.CHARGE_FAILED,
        EventKind.REFUND_SUCCEEDED,
        EventKind.TRANSFER_PAID,
        EventKind.TRANSFER_FAILED,
    ]
    verified = [tp.verify_webhook(payload=e.payload, signature=e.signature) for e in events]
    assert [event.event_id for event in verified] == [event.event_id for event in events]
    assert verified[0].data["key"] == "pay-1" and verified[0].data["ref"] == paid.provider_ref
    assert verified[1].data["message"] == DECLINED_MESSAGE
    assert verified[2].data["charge_ref"] == paid.provider_ref
    # Delivered again, an event keeps its id; later events only after a sequence number.
    assert [e.event_id for e in tp.events_since()] == [e.event_id for e in events]
    assert [e.event_id for e in tp.events_since(events[2].sequence)] == [
        e.event_id for e in events[3:]
    ]


def test_a_webhook_that_was_tampered_with_or_signed_otherwise_is_refused(tp):
    charge(tp)
    event = tp.events_since()[0]
    body = json.loads(event.payload)
    body["data"]["key"] = "someone-else"
    forged = json.dumps(body).encode()

    refusals = [
        (forged, event.signature),
        (event.payload, TestProvider(webhook_secret="other").sign(event.payload)),
        (event.payload, ""),
        (event.payload, "t=notanumber,v1=00"),
        (event.payload, event.signature.split(",")[0]),
    ]
    for payload, signature in refusals:
        with pytest.raises(WebhookSignatureInvalid):
            tp.verify_webhook(payload=payload, signature=signature)


def test_an_old_signature_is_refused(tp, monkeypatch):
    charge(tp)
    event = tp.events_since()[0]
    later = clock.now() + timedelta(minutes=6)
    monkeypatch.setattr(clock, "now", lambda: later)

    with pytest.raises(WebhookSignatureInvalid):
        tp.verify_webhook(payload=event.payload, signature=event.signature)
    # Signed again now, the same event verifies.
    assert tp.verify_webhook(payload=event.payload, signature=tp.sign(event.payload))


def test_a_signed_body_that_is_not_an_event_is_refused(tp):
    payload = b'{"not": "an event"}'

    with pytest.raises(WebhookSignatureInvalid):
        tp.verify_webhook(payload=payload, signature=tp.sign(payload))


def test_the_webhook_secret_is_a_setting(settings):
    settings.HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET = "whsec_custom"
    payload = b'{"id": "evt_1", "type": "charge.succeeded", "data": {}}'

    signed = TestProvider().sign(payload)

    assert TestProvider(webhook_secret="whsec_custom").verify_webhook(
        payload=payload, signature=signed
    )
    with pytest.raises(WebhookSignatureInvalid):
        TestProvider(webhook_secret="whsec_other").verify_webhook(payload=payload, signature=signed)


# Choosing the provider


def test_the_configured_provider(settings):
    assert provider().name == "test"
    settings.HEADSTRT_PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    assert provider().name == "stripe"
    assert provider_named("test").name == "test"
    with pytest.raises(NotFound):
        provider_named("paypal")


def test_production_refuses_the_test_provider_unless_allowed(settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        provider()
    settings.HEADSTRT_ALLOW_TEST_PROVIDER = True
    assert provider().name == "test"


def _settings_load(data_dir, **env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEADSTRT_", "STRIPE_", "DATABASE_URL"))
    }
    environment |= {
        "HEADSTRT_PRODUCTION": "1",
        "HEADSTRT_SECRET_KEY": "x" * 60,
        "HEADSTRT_DATA_DIR": str(data_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", "import headstrt.settings"],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_refuse_to_start_without_a_real_provider(tmp_path):
    load = partial(_settings_load, tmp_path)
    refused = load()
    assert refused.returncode != 0 and "HEADSTRT_PAYMENT_PROVIDER=stripe" in refused.stderr
    public_secret = load(HEADSTRT_ALLOW_TEST_PROVIDER="1")
    assert public_secret.returncode != 0
    assert "HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET" in public_secret.stderr
    demo = load(HEADSTRT_ALLOW_TEST_PROVIDER="1", HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET="whsec_z")
    assert demo.returncode == 0, demo.stderr

    stripe_without_keys = load(HEADSTRT_PAYMENT_PROVIDER="stripe")
    assert stripe_without_keys.returncode != 0 and "STRIPE_SECRET_KEY" in stripe_without_keys.stderr
    configured = load(
        HEADSTRT_PAYMENT_PROVIDER="stripe",
        STRIPE_SECRET_KEY="sk_live_x",
        STRIPE_WEBHOOK_SECRET="whsec_x",
    )
    assert configured.returncode == 0, configured.stderr
    assert load(HEADSTRT_PAYMENT_PROVIDER="paypal").returncode != 0
