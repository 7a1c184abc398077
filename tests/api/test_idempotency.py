"""Idempotency-Key: retries get the first answer, reused keys and running requests are refused."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection

from headstrt.core.errors import DomainError
from headstrt.core.idempotency import Answer, idempotency_records_forget, idempotent
from headstrt.core.models import IdempotencyRecord
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from tests.api.conftest import BASE, assert_error, client_for
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, UserFactory
from tests.scheduling.sessions import GOOD_CARD

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
TUESDAY_10 = "2030-03-05T09:00:00Z"
TUESDAY_11 = "2030-03-05T10:00:00Z"
KEY = "0b6f6c55-3f55-4c2e-9a51-6f1b8a1d2c44"

moment = frozen_at(NOW)


@pytest.fixture
def mentor(db):
    profile = MentorProfileFactory(offers={30: 4000})
    services.availability_set(user=profile.user, rules=[(1, time(9), time(17))])
    return profile


def send(api, path, body=None, key=KEY):
    """POST with an Idempotency-Key header."""
    headers = {**api.headers, "Idempotency-Key": key}
    return api.client.post(
        BASE + path,
        body if body is not None else "",
        content_type="application/json",
        headers=headers,
    )


def booking_request(mentor, start=TUESDAY_10, objective="Prepare my pitch.") -> dict:
    return {
        "mentor": mentor.user.public_id,
        "start": start,
        "minutes": 30,
        "objective": objective,
        "source": GOOD_CARD,
    }


def test_a_retry_gets_the_first_answer_and_books_once(api, mentor):
    first = send(api, "/bookings", booking_request(mentor))
    retry = send(api, "/bookings", booking_request(mentor))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert "Idempotent-Replayed" not in first and retry["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.scope, record.status_code) == (KEY, "bookings.create", 201)
    assert record.response["id"] == first.json()["id"]


def test_a_refusal_is_remembered_too(api, client, mentor):
    rival = client_for(client, UserFactory())
    taken = rival.post("/bookings", booking_request(mentor)).json()
    refused = send(api, "/bookings", booking_request(mentor))
    assert_error(refused, 409, "slot_taken")
    rival.post(f"/bookings/{taken['id']}/cancel")

    retry = send(api, "/bookings", booking_request(mentor))

    assert_error(retry, 409, "slot_taken")
    assert retry.json() == refused.json() and retry["Idempotent-Replayed"] == "true"
    assert send(api, "/bookings", booking_request(mentor), key="fresh-key").status_code == 201


def test_a_key_reused_for_another_request_is_refused(api, mentor):
    first = send(api, "/bookings", booking_request(mentor)).json()

    other_body = send(api, "/bookings", booking_request(mentor, start=TUESDAY_11))
    other_endpoint = send(api, f"/bookings/{first['id']}/cancel")

    error = assert_error(other_body, 422, "idempotency_key_reused")
    assert error["field"] == "Idempotency-Key"
    assert_error(other_endpoint, 422, "idempotency_key_reused")
    assert list(Booking.objects.values_list("status", "start")) == [
        (BookingStatus.CONFIRMED, datetime(2030, 3, 5, 9, tzinfo=UTC))
    ]


def test_a_retry_while_the_first_request_runs_is_asked_to_wait(api, mentor):
    send(api, "/bookings", booking_request(mentor))
    # Put the record back in the state it has while the first request is still running.
    IdempotencyRecord.objects.update(status_code=None, response=None)

    error = assert_error(send(api, "/bookings", booking_request(mentor)), 409)

    assert error["code"] == "idempotency_in_progress" and "retry" in error["message"]
    assert Booking.objects.count() == 1


def test_an_unexpected_failure_forgets_the_key_so_the_client_can_retry(api, mentor, monkeypatch):
    def broken(**kwargs):
        Booking.objects.create(
            mentor=mentor,
            mentee=mentor.user,
            start=NOW,
            end=NOW + timedelta(minutes=30),
            minutes=30,
            price_minor=1,
            currency="EUR",
        )
        raise RuntimeError("the database went away")

    hold = {"mentor": mentor.user.public_id, "start": TUESDAY_10, "minutes": 30}
    working = services.booking_hold
    monkeypatch.setattr(services, "booking_hold", broken)
    with pytest.raises(RuntimeError):  # the test client re-raises what a 500 answers
        send(api, "/bookings/holds", hold)

    assert not IdempotencyRecord.objects.exists()
    assert not Booking.objects.exists()  # the work is rolled back with its answer
    monkeypatch.setattr(services, "booking_hold", working)
    assert send(api, "/bookings/holds", hold).status_code == 201


def test_a_failure_outside_a_transaction_forgets_the_key_too(api, mentor, monkeypatch):
    """Booking in one call may take a payment, so it runs outside the answer's transaction."""

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    working = services.booking_create
    monkeypatch.setattr(services, "booking_create", broken)
    with pytest.raises(RuntimeError):
        send(api, "/bookings", booking_request(mentor))

    assert not IdempotencyRecord.objects.exists()
    monkeypatch.setattr(services, "booking_create", working)
    retry = send(api, "/bookings", booking_request(mentor))
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_keys_are_forgotten_after_a_day(api, mentor, moment):
    send(api, "/bookings", booking_request(mentor))
    moment.now = NOW + timedelta(hours=25)

    response = send(api, "/bookings", booking_request(mentor, start="2030-03-12T09:00:00Z"))

    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Booking.objects.count() == 2


def test_old_records_are_cleaned_up(api, mentor, moment):
    send(api, "/bookings", booking_request(mentor), key="old")
    moment.now = NOW + timedelta(hours=23)
    send(api, "/bookings", booking_request(mentor, start=TUESDAY_11), key="recent")

    assert idempotency_records_forget(now=NOW + timedelta(hours=24)) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


def test_keys_belong_to_one_person(api, client, mentor):
    mine = send(api, "/bookings", booking_request(mentor))
    theirs = send(
        client_for(client, UserFactory()), "/bookings", booking_request(mentor, start=TUESDAY_11)
    )

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


@pytest.mark.parametrize("key", ["", "   ", "k" * 256, "clé", "tab\there", "nul\x00"])
def test_a_bad_key_is_a_400_and_nothing_happens(api, mentor, key):
    error = assert_error(send(api, "/bookings", booking_request(mentor), key=key), 400)

    assert error["code"] == "invalid_idempotency_key" and error["field"] == "Idempotency-Key"
    assert not Booking.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_key_of_255_printable_characters_is_fine(api, mentor):
    assert send(api, "/bookings", booking_request(mentor), key="K-" * 127 + "!").status_code == 201


def test_changes_to_a_booking_replay_too(api, mentor):
    booking = api.post("/bookings", booking_request(mentor)).json()

    first = send(api, f"/bookings/{booking['id']}/cancel", {"reason": "Ill"}, key="cancel-1")
    retry = send(api, f"/bookings/{booking['id']}/cancel", {"reason": "Ill"}, key="cancel-1")

    assert first.status_code == retry.status_code == 200  # not "already cancelled"
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert Booking.objects.get().sequence == 1


def test_the_header_is_documented(client):
    paths = client.get("/api/openapi.json").json()["paths"]

    for path in ["/api/v1/bookings", "/api/v1/bookings/{booking_id}/reschedule"]:
        names = [parameter["name"] for parameter in paths[path]["post"]["parameters"]]
        assert "Idempotency-Key" in names, path


def test_without_a_key_the_work_simply_runs(person):
    calls = []

    def run():
        calls.append(1)
        return 200, {"n": len(calls)}

    for _ in range(2):
        idempotent(user=person, key=None, scope="test", parameters={}, run=run)

    assert len(calls) == 2 and not IdempotencyRecord.objects.exists()


def test_the_function_runs_once_per_key_and_remembers_refusals(person):
    calls = []

    def refuse():
        calls.append(1)
        raise DomainError("too_poor", "Not enough money.", status=402)

    first = idempotent(user=person, key="k", scope="payments.pay", parameters={"a": 1}, run=refuse)
    retry = idempotent(user=person, key="k", scope="payments.pay", parameters={"a": 1}, run=refuse)

    body = {"code": "too_poor", "message": "Not enough money."}
    assert first == Answer(402, body) and retry == Answer(402, body, replayed=True)
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite runs one writer at a time: a concurrent retry waits and gets the answer",
)
def test_a_concurrent_retry_sees_the_claim_of_the_running_request():
    person = UserFactory()
    started, release = threading.Event(), threading.Event()
    answers = []

    def slow():
        started.set()
        release.wait(timeout=10)
        return 201, {"id": "first"}

    def first_request():
        try:
            answers.append(idempotent(user=person, key="k", scope="s", parameters={}, run=slow))
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert started.wait(timeout=10)
    with pytest.raises(DomainError) as refused:
        idempotent(user=person, key="k", scope="s", parameters={}, run=slow)
    release.set()
    thread.join(timeout=10)

    assert refused.value.code == "idempotency_in_progress" and refused.value.status == 409
    assert answers == [Answer(201, {"id": "first"})]
    retry = idempotent(user=person, key="k", scope="s", parameters={}, run=slow)
    assert retry == Answer(201, {"id": "first"}, replayed=True)
