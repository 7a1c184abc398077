"""The Stripe adapter against a local stand-in for Stripe's API (no internet): the requests it
sends, how it reads answers and failures, and Stripe's webhook signatures."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured

from headstrt.core.money import Money
from headstrt.payments.models import Payment, PaymentStatus
from headstrt.payments.providers.base import (
    EventKind,
    ProviderUnavailable,
    WebhookSignatureInvalid,
)
from headstrt.payments.providers.stripe import AmountNotAccepted, StripeProvider, stripe_amount
from headstrt.scheduling.models import Booking, BookingStatus
from tests.payments.flows import pay
from tests.scheduling.sessions import hold, refused

EUR40 = Money(4000, "EUR")
WEBHOOK_SECRET = "whsec_test_secret"


class FakeStripe(ThreadingHTTPServer):
    """Answers each request with the next planned answer for its method and path, and keeps
    what it was sent."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.planned: dict[tuple[str, str], list] = {}
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def plan(self, method: str, path: str, *answers) -> None:
        """Answers ``(status, body)`` or ``("sleep", seconds)``, given out in turn."""
        self.planned.setdefault((method, path), []).extend(answers)

    def sent(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if (r["method"], r["path"]) == (method, path)]

    def handle_error(self, request, client_address):
        pass  # a client that gave up waiting (the timeout test) is expected


class _Handler(BaseHTTPRequestHandler):
    def _answer(self):
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        stripe: FakeStripe = self.server
        stripe.requests.append(
            {
                "method": self.command,
                "path": parts.path,
                "headers": dict(self.headers),
                "params": dict(parse_qsl(body or parts.query)),
            }
        )
        answers = stripe.planned.get((self.command, parts.path)) or [(404, _error("no route"))]
        status, answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if status == "sleep":
            time.sleep(answer)
            status, answer = 200, {}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def _error(message, kind="invalid_request_error", **extra):
    return {"error": {"type": kind, "message": message, **extra}}


def _intent(status="succeeded", id="pi_1", **extra):
    return {"id": id, "object": "payment_intent", "status": status, **extra}


def _list(*items, object="list"):
    return {"object": object, "data": list(items), "has_more": False, "url": "/v1/x"}


@pytest.fixture
def stripe_api():
    server = FakeStripe()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def stripe(stripe_api, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_api.url
    return StripeProvider(max_network_retries=0, timeout=(2, 2))


def charge(stripe, source="pm_card_visa", key="booking:b1:payment:1"):
    return stripe.charge(amount=EUR40, source=source, key=key, description="Session with Ada")


def test_a_charge_is_one_confirmed_payment_intent_with_the_key(stripe, stripe_api):
    stripe_api.plan("POST", "/v1/payment_intents", (200, _intent()))

    result = charge(stripe)

    assert (result.status, result.provider_ref) == ("succeeded", "pi_1")
    [sent] = stripe_api.sent("POST", "/v1/payment_intents")
    assert sent["headers"]["Idempotency-Key"] == "booking:b1:payment:1"
    assert sent["headers"]["Authorization"] == "Bearer sk_test_local"
    assert sent["params"] == {
        "amount": "4000",
        "currency": "eur",
        "payment_method": "pm_card_visa",
        "payment_method_types[0]": "card",
        "confirm": "true",
        "description": "Session with Ada",
        "metadata[headstrt_key]": "booking:b1:payment:1",
    }


def test_a_declined_card_is_a_declined_charge(stripe, stripe_api):
    declined = _error(
        "Your card has insufficient funds.",
        kind="card_error",
        code="card_declined",
        payment_intent=_intent("requires_payment_method", id="pi_2"),
    )
    stripe_api.plan("POST", "/v1/payment_intents", (402, declined))

    result = charge(stripe)

    assert (result.status, result.provider_ref) == ("declined", "pi_2")
    assert result.message == "Your card has insufficient funds."


def test_an_unknown_payment_method_is_declined(stripe, stripe_api):
    missing = _error(
        "No such PaymentMethod: 'pm_x'", code="resource_missing", param="payment_method"
    )
    stripe_api.plan("POST", "/v1/payment_intents", (400, missing))

    assert charge(stripe, source="pm_x").status == "declined"


@pytest.mark.parametrize(
    "refusal",
    [
        _error("Amount must be at least €0.50 eur", code="amount_too_small", param="amount"),
        _error("Invalid currency", param="currency"),
        _error(
            "Keys for idempotent requests can only be used with the same parameters",
            kind="idempotency_error",
        ),
    ],
)
def test_a_request_stripe_refuses_ends_the_attempt_with_its_reason(stripe, stripe_api, refusal):
    stripe_api.plan("POST", "/v1/payment_intents", (400, refusal))

    result = charge(stripe)

    assert result.status == "declined"
    assert refusal["error"]["message"] in result.message


@pytest.mark.django_db
def test_a_checkout_stripe_refuses_is_declined_and_frees_the_slot(
    stripe, stripe_api, settings, frozen, mentor, mentee
):
    settings.HEADSTRT_PAYMENT_PROVIDER = "stripe"
    refusal = _error("Invalid currency", param="currency")
    stripe_api.plan("POST", "/v1/payment_intents", (400, refusal))
    held = hold(mentor, mentee)

    error = refused("card_declined", pay, mentee=mentee, booking=held, card="pm_card_visa")

    assert error.status == 402 and "Invalid currency" in error.message
    assert Payment.objects.get().status == PaymentStatus.DECLINED
    assert Booking.objects.get().status == BookingStatus.EXPIRED


@pytest.mark.parametrize(
    "answer", [(500, _error("boom", kind="api_error")), (429, _error("slow down")), (409, {})]
)
def test_stripe_errors_leave_the_outcome_unknown(stripe, stripe_api, answer):
    stripe_api.plan("POST", "/v1/payment_intents", answer)

    with pytest.raises(ProviderUnavailable):
        charge(stripe)


def test_a_timeout_leaves_the_outcome_unknown(stripe_api, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    stripe_api.plan("POST", "/v1/payment_intents", ("sleep", 1.5))
    slow = StripeProvider(api_base=stripe_api.url, max_network_retries=0, timeout=(2, 0.3))

    with pytest.raises(ProviderUnavailable):
        charge(slow)


def test_no_answer_at_all_leaves_the_outcome_unknown(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    closed = StripeProvider(api_base="http://127.0.0.1:9", max_network_retries=0)

    with pytest.raises(ProviderUnavailable):
        charge(closed)


def test_retries_resend_the_same_idempotency_key(stripe_api, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    stripe_api.plan(
        "POST", "/v1/payment_intents", (500, _error("boom", kind="api_error")), (200, _intent())
    )
    patient = StripeProvider(api_base=stripe_api.url, max_network_retries=1)

    assert charge(patient).status == "succeeded"
    keys = [r["headers"]["Idempotency-Key"] for r in stripe_api.sent("POST", "/v1/payment_intents")]
    assert keys == ["booking:b1:payment:1"] * 2


@pytest.mark.parametrize(
    ("amount", "units"),
    [
        (Money(4000, "EUR"), 4000),
        (Money(5000, "JPY"), 5000),
        (Money(5, "ISK"), 500),  # no minor unit, but Stripe reads hundredths
        (Money(5000, "UGX"), 500_000),
        (Money(4000, "HUF"), 4000),
        (Money(4000, "TWD"), 4000),
        (Money(1230, "KWD"), 1230),
    ],
)
def test_amounts_are_sent_in_the_units_stripe_reads(amount, units):
    assert stripe_amount(amount) == units


def test_a_three_decimal_amount_stripe_cannot_take_is_refused_without_asking(stripe, stripe_api):
    odd = Money(1005, "KWD")
    with pytest.raises(AmountNotAccepted):
        stripe_amount(odd)

    declined = stripe.charge(amount=odd, source="pm_card_visa", key="k1", description="x")
    refund = stripe.refund(charge_ref="pi_1", amount=odd, key="k2")
    transfer = stripe.transfer(destination="acct_1", amount=odd, key="k3")

    assert declined.status == "declined" and "KWD" in declined.message
    assert refund.status == transfer.status == "failed"
    assert stripe_api.requests == []


def test_a_charge_in_kronur_sends_hundredths(stripe, stripe_api):
    stripe_api.plan("POST", "/v1/payment_intents", (200, _intent()))

    stripe.charge(amount=Money(5, "ISK"), source="pm_card_visa", key="k", description="x")

    [sent] = stripe_api.sent("POST", "/v1/payment_intents")
    assert (sent["params"]["amount"], sent["params"]["currency"]) == ("500", "isk")


def test_a_charge_still_processing_is_not_decided_yet(stripe, stripe_api):
    stripe_api.plan("POST", "/v1/payment_intents", (200, _intent("processing")))

    with pytest.raises(ProviderUnavailable):
        charge(stripe)


def test_a_charge_needing_an_action_we_cannot_show_is_declined(stripe, stripe_api):
    stripe_api.plan("POST", "/v1/payment_intents", (200, _intent("requires_action")))

    assert charge(stripe).status == "declined"


def test_retrieve_charge_searches_by_the_key(stripe, stripe_api):
    path = "/v1/payment_intents/search"
    stripe_api.plan("GET", path, (200, _list(_intent(), object="search_result")))

    found = stripe.retrieve_charge("booking:b1:payment:1")

    assert (found.status, found.provider_ref) == ("succeeded", "pi_1")
    [sent] = stripe_api.sent("GET", path)
    assert sent["params"]["query"] == "metadata['headstrt_key']:'booking:b1:payment:1'"

    stripe_api.planned.clear()
    stripe_api.plan("GET", path, (200, _list(object="search_result")))
    assert stripe.retrieve_charge("booking:b2:payment:1") is None

    stripe_api.planned.clear()
    failed = _intent("requires_payment_method", last_payment_error={"message": "Declined."})
    stripe_api.plan("GET", path, (200, _list(failed, object="search_result")))
    assert stripe.retrieve_charge("booking:b1:payment:1").message == "Declined."

    stripe_api.planned.clear()
    stripe_api.plan("GET", path, (200, _list(_intent("processing"), object="search_result")))
    assert stripe.retrieve_charge("booking:b1:payment:1").status == "pending"


def test_a_refund_gives_back_part_of_the_payment_intent(stripe, stripe_api):
    refund = {"id": "re_1", "object": "refund", "status": "succeeded"}
    stripe_api.plan("GET", "/v1/refunds", (200, _list()))
    stripe_api.plan("POST", "/v1/refunds", (200, refund))

    result = stripe.refund(charge_ref="pi_1", amount=Money(2000, "EUR"), key="booking:b1:refund")

    assert (result.status, result.provider_ref) == ("succeeded", "re_1")
    [sent] = stripe_api.sent("POST", "/v1/refunds")
    assert sent["headers"]["Idempotency-Key"] == "booking:b1:refund"
    assert sent["params"] == {
        "payment_intent": "pi_1",
        "amount": "2000",
        "metadata[headstrt_key]": "booking:b1:refund",
    }


def test_a_refund_made_earlier_is_found_not_made_again(stripe, stripe_api):
    other = {"id": "re_0", "object": "refund", "status": "succeeded", "metadata": {}}
    earlier = {
        "id": "re_1",
        "object": "refund",
        "status": "succeeded",
        "metadata": {"headstrt_key": "booking:b1:refund"},
    }
    stripe_api.plan("GET", "/v1/refunds", (200, _list(other, earlier)))

    result = stripe.refund(charge_ref="pi_1", amount=EUR40, key="booking:b1:refund")

    assert (result.status, result.provider_ref) == ("succeeded", "re_1")
    assert stripe_api.sent("POST", "/v1/refunds") == []
    [asked] = stripe_api.sent("GET", "/v1/refunds")
    assert asked["params"]["payment_intent"] == "pi_1"


def test_a_refund_stripe_refuses_or_delays(stripe, stripe_api):
    stripe_api.plan("GET", "/v1/refunds", (200, _list()))
    too_much = _error("Refund amount is greater than unrefunded amount.", code="amount_too_large")
    stripe_api.plan("POST", "/v1/refunds", (400, too_much))
    refused = stripe.refund(charge_ref="pi_1", amount=Money(9000, "EUR"), key="r1")
    assert refused.status == "failed" and "greater" in refused.message

    stripe_api.planned.clear()
    stripe_api.plan("GET", "/v1/refunds", (200, _list()))
    stripe_api.plan(
        "POST", "/v1/refunds", (200, {"id": "re_2", "object": "refund", "status": "pending"})
    )
    assert stripe.refund(charge_ref="pi_1", amount=EUR40, key="r2").status == "pending"

    stripe_api.planned.clear()
    stripe_api.plan("GET", "/v1/refunds", (200, _list()))
    stripe_api.plan("POST", "/v1/refunds", (503, _error("down", kind="api_error")))
    with pytest.raises(ProviderUnavailable):
        stripe.refund(charge_ref="pi_1", amount=EUR40, key="r3")


def test_a_transfer_goes_to_the_connected_account_once(stripe, stripe_api):
    stripe_api.plan("GET", "/v1/transfers", (200, _list()))
    stripe_api.plan("POST", "/v1/transfers", (200, {"id": "tr_1", "object": "transfer"}))

    result = stripe.transfer(
        destination="acct_mentor", amount=EUR40, key="payout:u1:EUR:2030-01-01"
    )

    assert (result.status, result.provider_ref) == ("paid", "tr_1")
    [looked] = stripe_api.sent("GET", "/v1/transfers")
    assert looked["params"]["transfer_group"] == "payout:u1:EUR:2030-01-01"
    [sent] = stripe_api.sent("POST", "/v1/transfers")
    assert sent["headers"]["Idempotency-Key"] == "payout:u1:EUR:2030-01-01"
    assert sent["params"] == {
        "amount": "4000",
        "currency": "eur",
        "destination": "acct_mentor",
        "transfer_group": "payout:u1:EUR:2030-01-01",
        "metadata[headstrt_key]": "payout:u1:EUR:2030-01-01",
    }


def test_a_transfer_made_earlier_is_found_not_made_again(stripe, stripe_api):
    """Stripe forgets idempotency keys after a day; the transfer group still finds it."""
    stripe_api.plan("GET", "/v1/transfers", (200, _list({"id": "tr_old", "object": "transfer"})))

    result = stripe.transfer(destination="acct_mentor", amount=EUR40, key="payout:u1:EUR:d")

    assert result.provider_ref == "tr_old"
    assert not stripe_api.sent("POST", "/v1/transfers")


def test_a_transfer_stripe_refuses_fails(stripe, stripe_api):
    stripe_api.plan("GET", "/v1/transfers", (200, _list()))
    stripe_api.plan("POST", "/v1/transfers", (400, _error("No such destination: 'acct_x'")))

    result = stripe.transfer(destination="acct_x", amount=EUR40, key="p1")

    assert result.status == "failed" and "acct_x" in result.message


def test_the_stripe_provider_needs_its_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(ImproperlyConfigured):
        StripeProvider()


# Webhooks, signed as Stripe signs them


def stripe_signature(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def stripe_event(kind: str, obj: dict, id: str = "evt_1") -> bytes:
    return json.dumps({"id": id, "object": "event", "type": kind, "data": {"object": obj}}).encode()


@pytest.mark.parametrize(
    ("kind", "obj", "expected"),
    [
        (
            "payment_intent.succeeded",
            _intent(metadata={"headstrt_key": "k1"}),
            (EventKind.CHARGE_SUCCEEDED, {"key": "k1", "ref": "pi_1"}),
        ),
        (
            "payment_intent.payment_failed",
            _intent(
                "requires_payment_method",
                metadata={"headstrt_key": "k1"},
                last_payment_error={"message": "Your card was declined."},
            ),
            (EventKind.CHARGE_FAILED, {"key": "k1", "message": "Your card was declined."}),
        ),
        (
            "refund.updated",
            {
                "id": "re_1",
                "object": "refund",
                "status": "succeeded",
                "payment_intent": "pi_1",
                "metadata": {"headstrt_key": "r1"},
            },
            (EventKind.REFUND_SUCCEEDED, {"key": "r1", "ref": "re_1", "charge_ref": "pi_1"}),
        ),
        (
            "refund.failed",
            {
                "id": "re_1",
                "object": "refund",
                "status": "failed",
                "failure_reason": "lost_card",
                "metadata": {"headstrt_key": "r1"},
            },
            (EventKind.REFUND_FAILED, {"key": "r1", "message": "lost_card"}),
        ),
        (
            "transfer.created",
            {"id": "tr_1", "object": "transfer", "transfer_group": "payout:u:EUR:d"},
            (EventKind.TRANSFER_PAID, {"key": "payout:u:EUR:d", "ref": "tr_1"}),
        ),
        (
            "customer.created",
            {"id": "cus_1", "object": "customer"},
            ("customer.created", {"ref": "cus_1"}),
        ),
    ],
)
def test_stripe_events_in_the_platforms_terms(stripe, kind, obj, expected):
    payload = stripe_event(kind, obj)

    event = stripe.verify_webhook(payload=payload, signature=stripe_signature(payload))

    expected_kind, expected_data = expected
    assert event.event_id == "evt_1" and event.kind == expected_kind
    assert expected_data.items() <= event.data.items()


def test_a_pending_refund_event_is_not_acted_on(stripe):
    payload = stripe_event(
        "refund.created", {"id": "re_1", "object": "refund", "status": "pending"}
    )

    event = stripe.verify_webhook(payload=payload, signature=stripe_signature(payload))

    assert event.kind == "refund.created"


def test_webhooks_with_a_bad_signature_are_refused(stripe):
    payload = stripe_event("payment_intent.succeeded", _intent(metadata={"headstrt_key": "k1"}))
    tampered = payload.replace(b"k1", b"k2")

    refusals = [
        (tampered, stripe_signature(payload)),
        (payload, stripe_signature(payload, secret="whsec_other")),
        (payload, stripe_signature(payload, at=int(time.time()) - 3600)),
        (payload, ""),
        (b"not json", stripe_signature(b"not json")),
    ]
    for body, signature in refusals:
        with pytest.raises(WebhookSignatureInvalid):
            stripe.verify_webhook(payload=body, signature=signature)


def test_webhooks_need_the_webhook_secret(stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = stripe_event("payment_intent.succeeded", _intent())

    with pytest.raises(ImproperlyConfigured):
        StripeProvider().verify_webhook(payload=payload, signature=stripe_signature(payload))
