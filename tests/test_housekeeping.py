"""The worker's periodic sweep: lapsed deadlines, unanswered questions and old idempotency
keys."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache

from headstrt import cli
from headstrt.core.models import IdempotencyRecord
from headstrt.housekeeping import housekeeping_run
from headstrt.operations.worker import SWEEP_LOCK, sweeps_run
from headstrt.perspectives.models import AskStatus, PerspectiveAsk
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from tests.clock import Clock
from tests.factories import UserFactory
from tests.perspectives.asking import answering_mentor, ask
from tests.scheduling.sessions import NOW, TUESDAY_9, book, paris_mentor, tokyo_mentee

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapsed_request_and_old_key(monkeypatch):
    """A request past its response window whose expiry task was lost, and a key a day old."""
    frozen = Clock(monkeypatch, NOW)
    mentor = paris_mentor()
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    book(mentor, tokyo_mentee(), start=TUESDAY_9 + timedelta(days=7))
    frozen.move(hours=49)
    person = UserFactory()
    for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=1))):
        IdempotencyRecord.objects.create(
            user=person,
            key=key,
            scope="booking_create",
            fingerprint="f",
            created_at=frozen.now - age,
        )


def test_a_sweep_expires_lapsed_requests_and_forgets_old_keys(lapsed_request_and_old_key):
    rest = {
        "payments_settled": 0,
        "refunds_sent": 0,
        "escrows_released": 0,
        "payouts_paid": 0,
        "reviews_revealed": 0,
        "outcome_follow_ups_asked": 0,
        "index_mentors_dropped": 0,
        "standings_kept": 0,  # the tests' cache is each process's own
        "disputes_advanced": 0,
        "perspectives_expired": 0,
    }
    assert housekeeping_run() == {"requests_expired": 1, "idempotency_keys_forgotten": 1, **rest}
    assert housekeeping_run() == {"requests_expired": 0, "idempotency_keys_forgotten": 0, **rest}

    assert Booking.objects.get().status == BookingStatus.EXPIRED
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_the_worker_sweeps_until_stopped(lapsed_request_and_old_key, monkeypatch):
    stop = threading.Event()
    runs = []
    monkeypatch.setattr(
        "headstrt.operations.worker.housekeeping_run",
        lambda: runs.append(1) or stop.set() or {},
    )

    sweeps_run(stop, interval=0)

    assert runs == [1]


def test_a_failing_sweep_is_logged_and_the_next_round_sweeps_again(monkeypatch, caplog):
    stop, runs = threading.Event(), []

    def sweep():
        runs.append(1)
        cache.delete(SWEEP_LOCK)  # as if the interval had passed
        if len(runs) == 2:
            stop.set()
        raise RuntimeError("database away")

    monkeypatch.setattr("headstrt.operations.worker.housekeeping_run", sweep)

    sweeps_run(stop, interval=0)

    assert len(runs) == 2 and "housekeeping failed" in caplog.text


def test_while_another_worker_sweeps_only_the_saved_index_is_kept_current(monkeypatch):
    stop, synced = threading.Event(), []
    cache.add(SWEEP_LOCK, "another worker", timeout=60)
    monkeypatch.setattr(
        "headstrt.operations.worker.housekeeping_run",
        lambda: pytest.fail("two workers swept in one round"),
    )
    monkeypatch.setattr(
        "headstrt.operations.worker.mentor_index_sync", lambda: synced.append(1) or stop.set()
    )

    sweeps_run(stop, interval=0)

    assert synced == [1]


def test_worker_batch_sweeps_then_runs_the_due_tasks(lapsed_request_and_old_key, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "headstrt.operations.worker.call_command",
        lambda *args, **options: calls.append((args, options)),
    )

    cli.main(["worker", "--batch"])

    assert calls == [(("db_worker",), {"batch": True, "interval": 1.0, "reload": False})]
    assert Booking.objects.get().status == BookingStatus.EXPIRED


def test_a_sweep_expires_written_answers_past_their_deadline(monkeypatch):
    frozen = Clock(monkeypatch, NOW)
    ask(UserFactory(), answering_mentor("Free Answers", price=0), answer_hours=12)
    frozen.move(hours=12)

    assert housekeeping_run()["perspectives_expired"] == 1
    assert housekeeping_run()["perspectives_expired"] == 0
    assert PerspectiveAsk.objects.get().status == AskStatus.EXPIRED
