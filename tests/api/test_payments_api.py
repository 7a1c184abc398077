"""The payments API: paying for a held session, tips, a session's price, statements; retries
with an Idempotency-Key charge once; bad input and other people's sessions change nothing."""

from datetime import UTC, datetime, time, timedelta

import pytest

from headstrt.api.payments import MONEY_RATE_PER_USER
from headstrt.payments.models import (
    LedgerAccount,
    LedgerTransaction,
    Payment,
    TestProviderOperation,
)
from headstrt.payments.providers.test import (
    CARD_DECLINED,
    CARD_FAILS_AFTER_CHARGE,
    CARD_SUCCEEDS,
    CARD_UNAVAILABLE,
)
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from tests.api.conftest import BASE, assert_error, client_for
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)  # a Monday; 11:00 in Paris
TUESDAY_10 = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)  # 10:00 in Paris, where the mentor lives
OBJECTIVE = "Leave with a script for asking for a raise."
KEY = "7f1c7a52-2d1e-4d8e-8f0e-3f0f5b7a9e11"

moment = frozen_at(NOW)


@pytest.fixture
def mentor(db):
    profile = MentorProfileFactory(user__display_name="Mia Mentor", offers={30: 4000, 60: 0})
    services.availability_set(
        user=profile.user, rules=[(weekday, time(9), time(17)) for weekday in range(5)]
    )
    return profile


@pytest.fixture
def mentor_api(client, mentor):
    return client_for(client, mentor.user)


def post(api, path, body, key=None):
    headers = dict(api.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(BASE + path, body, content_type="application/json", headers=headers)


def held(person, mentor, start=TUESDAY_10, minutes=30) -> Booking:
    return services.booking_hold(
        mentee=person, mentor_id=mentor.user.public_id, start=start, minutes=minutes
    )


def pay_body(card=CARD_SUCCEEDS, **extra) -> dict:
    return {"objective": OBJECTIVE, "agenda": "", "source": card, **extra}


def pay(api, booking, card=CARD_SUCCEEDS, key=None):
    return post(api, f"/bookings/{booking.public_id}/pay", pay_body(card), key=key)


def ledger() -> list[tuple]:
    """Everything a refused call must leave as it was."""
    return [
        *LedgerTransaction.objects.values_list("key"),
        *LedgerAccount.objects.order_by("pk").values_list("key", "balance_minor"),
        *Payment.objects.order_by("pk").values_list("key", "status", "amount_minor"),
    ]


def completed(api, person, mentor, moment) -> Booking:
    """A session ``person`` paid for and marked done."""
    booking = held(person, mentor)
    assert pay(api, booking).status_code == 200
    moment.set(TUESDAY_10 + timedelta(minutes=31))
    services.booking_complete(user=person, booking_id=booking.public_id)
    return booking


def tip_body(minor=500, currency="EUR", card=CARD_SUCCEEDS) -> dict:
    return {"amount": {"minor": minor, "currency": currency}, "source": card}


# --- paying ------------------------------------------------------------------------------------


def test_paying_confirms_the_session_and_puts_the_price_in_escrow(api, person, mentor):
    booking = held(person, mentor)
    quote = api.get(f"/bookings/{booking.public_id}/price").json()
    assert (quote["status"], quote["fee"]["minor"], quote["mentor_receives"]["minor"]) == (
        "unpaid",
        400,
        3600,
    )
    assert "24 hours" in quote["refund_policy"]

    response = pay(api, booking)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == booking.public_id and body["status"] == "confirmed"
    assert body["objective"] == OBJECTIVE and body["price"]["minor"] == 4000
    assert body == api.get(f"/bookings/{booking.public_id}").json()  # as read afresh
    escrow = LedgerAccount.objects.get(kind="escrow", booking_ref=booking.public_id)
    assert escrow.balance_minor == 4000
    after = api.get(f"/bookings/{booking.public_id}/price").json()
    assert (after["status"], after["paid"]["minor"], after["in_escrow"]["minor"]) == (
        "in_escrow",
        4000,
        4000,
    )


def test_a_free_session_needs_no_card(api, person, mentor):
    booking = held(person, mentor, minutes=60)

    response = post(api, f"/bookings/{booking.public_id}/pay", {"objective": OBJECTIVE})

    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert not Payment.objects.exists() and not LedgerTransaction.objects.exists()
    assert api.get(f"/bookings/{booking.public_id}/price").json()["status"] == "free"


def test_a_replay_with_the_same_key_charges_once(api, person, mentor):
    booking = held(person, mentor)

    first = pay(api, booking, key=KEY)
    retry = pay(api, booking, key=KEY)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert TestProviderOperation.objects.filter(kind="charge").count() == 1
    assert LedgerTransaction.objects.filter(kind="booking_payment").count() == 1


def test_the_same_key_for_another_card_is_refused(api, person, mentor):
    booking = held(person, mentor)
    pay(api, booking, key=KEY)
    before = ledger()

    assert_error(
        pay(api, booking, card="5555 5555 5555 4444", key=KEY), 422, "idempotency_key_reused"
    )
    assert ledger() == before


def test_paying_twice_is_refused(api, person, mentor):
    booking = held(person, mentor)
    pay(api, booking)
    before = ledger()

    assert_error(pay(api, booking, key="another-key"), 409, "already_paid")
    assert ledger() == before
    assert TestProviderOperation.objects.filter(kind="charge").count() == 1


def test_nobody_pays_for_someone_elses_booking(client, api, person, mentor):
    booking = held(UserFactory(), mentor)
    before = ledger()

    assert_error(pay(api, booking), 404, "not_found")
    assert_error(api.get(f"/bookings/{booking.public_id}/price"), 404, "not_found")
    assert ledger() == before and not TestProviderOperation.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.HELD


def test_a_declined_card_confirms_nothing_and_releases_the_hold(api, person, mentor):
    booking = held(person, mentor)

    body = assert_error(pay(api, booking, card=CARD_DECLINED), 402, "card_declined")

    assert body["field"] == "source" and "declined" in body["message"]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED and booking.held_until <= NOW
    assert not LedgerTransaction.objects.exists()
    assert Payment.objects.get().status == "declined"
    # Another card still books the slot while nobody took it.
    assert pay(api, booking).json()["status"] == "confirmed"


def test_a_bank_that_does_not_answer_is_asked_again_by_the_retry(api, person, mentor):
    booking = held(person, mentor)

    # The charge goes through but its answer is lost: not remembered under the key...
    body = assert_error(pay(api, booking, card=CARD_FAILS_AFTER_CHARGE, key=KEY), 503)
    assert body["code"] == "payment_pending" and "never be charged twice" in body["message"]
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.HELD
    # ...so the retry asks the provider about the same charge and books the session.
    retry = pay(api, booking, card=CARD_FAILS_AFTER_CHARGE, key=KEY)

    assert retry.status_code == 200 and retry.json()["status"] == "confirmed"
    assert "Idempotent-Replayed" not in retry
    assert TestProviderOperation.objects.filter(kind="charge").count() == 1
    assert LedgerAccount.objects.get(kind="escrow").balance_minor == 4000


def test_a_provider_that_is_down_leaves_the_slot_held(api, person, mentor):
    booking = held(person, mentor)

    assert_error(pay(api, booking, card=CARD_UNAVAILABLE), 503, "payment_pending")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD and booking.held_until > NOW
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (pay_body(card=""), 400),
        (pay_body(card="1234"), 402),
        (pay_body(objective=""), 400),
        (pay_body(surprise=1), 422),
        ({"objective": OBJECTIVE, "source": 4242424242424242}, 422),
    ],
)
def test_bad_payment_input_is_refused(api, person, mentor, body, status):
    booking = held(person, mentor)

    response = post(api, f"/bookings/{booking.public_id}/pay", body)

    assert_error(response, status)
    assert not LedgerTransaction.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status != BookingStatus.CONFIRMED


def test_money_calls_are_rate_limited(api, person, mentor):
    unknown = "/bookings/nosuchbooking/pay"
    for _ in range(int(MONEY_RATE_PER_USER.split("/")[0])):
        assert_error(post(api, unknown, pay_body()), 404)

    body = assert_error(post(api, unknown, pay_body()), 429, "rate_limited")
    assert set(body) == {"code", "message"}
    assert_error(post(api, "/bookings/nosuchbooking/tips", tip_body()), 429, "rate_limited")


def test_anonymous_callers_are_refused(anonymous, mentor):
    assert_error(anonymous.post("/bookings/whatever/pay", pay_body()), 401)
    assert_error(anonymous.get("/me/statement", {"role": "mentee"}), 401)


# --- tips --------------------------------------------------------------------------------------


def test_a_tip_goes_whole_to_the_mentor_once_per_key(api, person, mentor, moment):
    booking = completed(api, person, mentor, moment)

    first = post(api, f"/bookings/{booking.public_id}/tips", tip_body(), key=KEY)
    retry = post(api, f"/bookings/{booking.public_id}/tips", tip_body(), key=KEY)

    assert first.status_code == retry.status_code == 201, first.content
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    body = first.json()
    assert body["session"] == booking.public_id and body["status"] == "paid"
    assert body["amount"] == {"minor": 500, "currency": "EUR", "display": "€5.00"}
    earnings = LedgerAccount.objects.get(kind="mentor_earnings", owner=mentor.user)
    assert earnings.balance_minor == 500
    assert Payment.objects.filter(kind="tip").count() == 1
    assert api.get(f"/bookings/{booking.public_id}/price").json()["tip"]["minor"] == 500


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        (0, 400, "invalid_amount"),
        (-500, 400, "invalid_amount"),
        (12.5, 422, "invalid"),
        ("500", 422, "invalid"),
        (True, 422, "invalid"),
        (10**12, 400, "invalid_amount"),
    ],
)
def test_bad_tip_amounts_are_refused(api, person, mentor, moment, amount, status, code):
    booking = completed(api, person, mentor, moment)
    before = ledger()

    response = post(api, f"/bookings/{booking.public_id}/tips", tip_body(minor=amount))

    assert_error(response, status, code)
    assert ledger() == before


def test_a_tip_in_another_currency_is_refused(api, person, mentor, moment):
    booking = completed(api, person, mentor, moment)
    before = ledger()

    response = post(api, f"/bookings/{booking.public_id}/tips", tip_body(currency="USD"))

    assert_error(response, 400, "currency_mismatch")
    assert ledger() == before


def test_tips_wait_for_the_end_and_come_once(api, person, mentor, moment, mentor_api):
    booking = held(person, mentor)
    pay(api, booking)
    assert_error(post(api, f"/bookings/{booking.public_id}/tips", tip_body()), 409, "not_completed")

    moment.set(TUESDAY_10 + timedelta(minutes=31))
    services.booking_complete(user=person, booking_id=booking.public_id)
    assert_error(post(mentor_api, f"/bookings/{booking.public_id}/tips", tip_body()), 403)
    assert post(api, f"/bookings/{booking.public_id}/tips", tip_body()).status_code == 201
    again = post(api, f"/bookings/{booking.public_id}/tips", tip_body(), key="second-tip")
    assert_error(again, 409, "already_tipped")
    assert Payment.objects.filter(kind="tip").count() == 1


def test_a_declined_tip_moves_nothing(api, person, mentor, moment):
    booking = completed(api, person, mentor, moment)
    before = LedgerTransaction.objects.count()

    response = post(api, f"/bookings/{booking.public_id}/tips", tip_body(card=CARD_DECLINED))

    assert_error(response, 402, "card_declined")
    assert LedgerTransaction.objects.count() == before


def test_nobody_tips_on_someone_elses_session(client, api, mentor, moment):
    other = UserFactory()
    booking = completed(client_for(client, other), other, mentor, moment)
    before = ledger()

    assert_error(post(api, f"/bookings/{booking.public_id}/tips", tip_body()), 404, "not_found")
    assert ledger() == before


# --- statements --------------------------------------------------------------------------------


def test_statements_as_mentee_and_mentor(api, person, mentor, mentor_api, moment):
    booking = completed(api, person, mentor, moment)
    post(api, f"/bookings/{booking.public_id}/tips", tip_body())

    mine = api.get("/me/statement", {"role": "mentee"})
    theirs = mentor_api.get("/me/statement", {"role": "mentor"})

    assert mine.status_code == theirs.status_code == 200
    [section] = mine.json()["currencies"]
    assert (section["currency"], section["paid"]["minor"], section["refunded"]["display"]) == (
        "EUR",
        4500,
        "€0.00",
    )
    assert {(line["kind"], line["session"]) for line in section["lines"]} == {
        ("payment", booking.public_id),
        ("tip", booking.public_id),
    }
    [section] = theirs.json()["currencies"]
    assert (section["available"]["minor"], section["pending"]["minor"]) == (500, 4000)
    pending = next(line for line in section["lines"] if line["status"] == "in_escrow")
    assert (pending["gross"]["minor"], pending["fee"]["minor"], pending["net"]["minor"]) == (
        4000,
        400,
        3600,
    )
    assert pending["other_person"] == "Ada Example"
    # The mentee has no earnings and the mentor paid nothing.
    assert api.get("/me/statement", {"role": "mentor"}).json()["currencies"] == []
    assert mentor_api.get("/me/statement", {"role": "mentee"}).json()["currencies"] == []


def test_the_statement_as_csv(api, person, mentor):
    pay(api, held(person, mentor))

    response = api.get("/me/statement.csv", {"role": "mentee"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="headstrt-payments.csv"'
    header, row = response.content.decode().splitlines()
    assert header.startswith("date,kind,session,")
    assert ",payment," in row and ",40.00,4.00,40.00,EUR,paid" in row


def test_a_statement_needs_a_known_role(api):
    assert_error(api.get("/me/statement", {"role": "admin"}), 400, "invalid_role")
    assert_error(api.get("/me/statement.csv", {"role": ""}), 400, "invalid_role")
    assert_error(api.get("/me/statement"), 422, "invalid")
