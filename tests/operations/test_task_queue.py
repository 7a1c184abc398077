"""The Redis task queue, end to end: real server, real worker, real Redis.

A session booked over HTTP on ``headstrt serve`` leaves its reminders scheduled in Redis; a
task enqueued now and one with ``run_after`` are run by a real ``headstrt worker`` process
(the latter not before it is due), and their effect is in the database. ``--batch`` runs what
is due and exits, leaving later tasks scheduled.

Redis database 11 is these tests' own; a lock in it makes concurrent test runs take turns,
and each run starts from an empty queue and removes what it left there (the queue's keys and
the server's cache entries), never flushing the database.
"""

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.registry import ScheduledJobRegistry

from tests.clock import frozen_at
from tests.live_server import GOOD_CARD, OBJECTIVE, LiveServer, stop_process

REDIS_URL = "redis://127.0.0.1:6379/11"
QUEUE = "default"


@pytest.fixture(scope="module")
def redis():
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    with connection.lock("headstrt-tests:task-queue", timeout=120, blocking_timeout=300):
        forget_our_keys(connection)
        try:
            yield connection
        finally:
            forget_our_keys(connection)


def forget_our_keys(connection) -> None:
    """Remove the queue's keys and the cache entries (Django's ":1:" prefix) of these tests."""
    for pattern in ("rq:*", ":1:*"):
        for key in connection.scan_iter(pattern):
            connection.delete(key)


@pytest.fixture(scope="module")
def market(redis):
    """The production server with the Redis task queue, and two sessions booked over HTTP."""
    with LiveServer(env={"REDIS_URL": REDIS_URL}) as server:
        seeded = server.run("seed", mentors=1, mentees=2, days=3)
        mentor = seeded["mentors"][0]
        bookings = []
        # Slots a few hours apart, well after the first one a day from now, so the reminder
        # a day before is still to come.
        for mentee, slot in zip(seeded["mentees"], mentor["slots"]["30"][8::8], strict=False):
            answer = server.request(
                "POST",
                "/api/v1/bookings",
                token=mentee["token"],
                body={
                    "mentor": mentor["id"],
                    "start": slot,
                    "minutes": 30,
                    "objective": OBJECTIVE,
                    "source": GOOD_CARD,
                },
            )
            assert answer.status == 201, answer.body
            bookings.append(answer.body)
        yield server, bookings


def scheduled(redis) -> dict[str, datetime]:
    """The jobs waiting in Redis for their time: id → when they become due (UTC)."""
    registry = ScheduledJobRegistry(QUEUE, connection=redis)
    return {job_id: registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()}


def sent(server) -> dict[tuple[str, str], datetime]:
    """Reminders in the database: (session, kind) → when it was sent (UTC)."""
    rows = server.query(
        "SELECT booking.public_id, reminder.kind, reminder.sent_at"
        " FROM scheduling_bookingreminder reminder"
        " JOIN scheduling_booking booking ON booking.id = reminder.booking_id"
    )
    return {
        (booking, kind): (
            datetime.fromisoformat(at).replace(tzinfo=UTC) if isinstance(at, str) else at
        )
        for booking, kind, at in rows
    }


def sent_soon(server, expected: set, worker) -> dict[tuple[str, str], datetime]:
    """The reminders sent, once ``expected`` are all among them (within a minute)."""
    deadline = time.monotonic() + 60
    while not expected <= set(found := sent(server)):
        assert worker.poll() is None, server.output("worker.log")
        assert time.monotonic() < deadline, (found, server.output("worker.log"))
        time.sleep(0.2)
    return found


def test_booked_sessions_leave_their_reminders_scheduled_in_redis(market, redis):
    server, bookings = market
    starts = [datetime.fromisoformat(booking["start"]) for booking in bookings]

    assert sorted(scheduled(redis).values()) == sorted(
        start - lead for start in starts for lead in (timedelta(hours=24), timedelta(minutes=15))
    )
    assert "Traceback" not in server.log_tail(1000)


def test_the_worker_runs_a_task_now_and_another_when_it_falls_due(market, redis):
    server, [booking, _] = market
    worker = server.spawn("worker", log="worker.log")
    try:
        now = server.run("reminder_enqueue", booking=booking["id"], kind="24h")
        assert now["run_after"] is None
        sent_soon(server, {(booking["id"], "24h")}, worker)

        later = server.run("reminder_enqueue", booking=booking["id"], kind="15m", delay_seconds=3)
        assert later["id"] in scheduled(redis)
        found = sent_soon(server, {(booking["id"], "15m")}, worker)
    finally:
        code = stop_process(worker)

    assert found[booking["id"], "15m"] >= datetime.fromisoformat(later["run_after"])
    assert later["id"] not in scheduled(redis)
    assert code == 0, server.output("worker.log")  # SIGTERM: a clean stop
    assert "Traceback" not in server.output("worker.log", 1000)


def test_a_batch_runs_what_is_due_then_exits_leaving_later_tasks_scheduled(market, redis):
    server, [first, booking] = market
    before = sent(server)
    server.run("reminder_enqueue", booking=booking["id"], kind="24h")
    # Scheduled, and due by the time the batch runs: the batch moves it to the queue.
    fallen_due = server.run("reminder_enqueue", booking=booking["id"], kind="15m", delay_seconds=1)
    later = server.run("reminder_enqueue", booking=booking["id"], kind="15m", delay_seconds=3600)
    assert fallen_due["id"] in scheduled(redis)
    while datetime.now(UTC) <= datetime.fromisoformat(fallen_due["run_after"]):
        time.sleep(0.1)

    server.headstrt("worker", "--batch", timeout=120)

    assert set(sent(server)) - set(before) == {(booking["id"], "24h"), (booking["id"], "15m")}
    assert fallen_due["id"] not in scheduled(redis)
    assert later["id"] in scheduled(redis)


def test_a_task_is_never_due_before_its_run_after(redis, settings):
    # RQ keeps due times in whole seconds: a fraction of a second is rounded up, not down.
    from headstrt.operations.task_queue import RedisTaskBackend
    from headstrt.scheduling.tasks import requests_expire

    settings.RQ_QUEUES = {QUEUE: {"URL": REDIS_URL}}
    backend = RedisTaskBackend("default", {})
    registry = ScheduledJobRegistry(QUEUE, connection=redis)
    run_after = datetime(2031, 5, 6, 7, 8, 9, 250_000, tzinfo=UTC)
    due = {}
    for when in (run_after, run_after.replace(microsecond=0)):
        result = backend.enqueue(requests_expire.using(run_after=when), (), {})
        due[when] = registry.get_scheduled_time(result.id)
        registry.remove(result.id, delete_job=True)

    assert due == {
        run_after: run_after.replace(microsecond=0) + timedelta(seconds=1),
        run_after.replace(microsecond=0): run_after.replace(microsecond=0),
    }


def test_without_redis_a_batch_sweeps_then_runs_the_database_queue(monkeypatch, settings):
    from headstrt.operations import worker

    settings.HEADSTRT_TASK_QUEUE = "database"
    done = []
    monkeypatch.setattr(worker, "housekeeping_run", lambda: done.append("sweep"))
    monkeypatch.setattr(worker, "call_command", lambda *args, **options: done.append(options))

    worker.worker_run(batch=True, interval=2.5)

    assert done == ["sweep", {"batch": True, "interval": 2.5, "reload": False}]


def test_one_worker_sweeps_per_interval_the_others_skip_their_turn(monkeypatch):
    from django.core.cache import cache

    from headstrt.operations import worker

    cache.delete(worker.SWEEP_LOCK)
    sweeps = []
    first, second = threading.Event(), threading.Event()
    monkeypatch.setattr(worker, "housekeeping_run", lambda: sweeps.append(1) or first.set() or {})
    try:
        worker.sweeps_run(first, interval=60)  # takes the lock, sweeps (and is told to stop)
        threading.Timer(0.2, second.set).start()
        worker.sweeps_run(second, interval=60)  # another worker in the same interval
    finally:
        cache.delete(worker.SWEEP_LOCK)

    assert sweeps == [1]


frozen = frozen_at(datetime(2030, 3, 4, 10, 0, tzinfo=UTC), autouse=False)


@pytest.mark.django_db
def test_a_booking_stands_when_its_tasks_cannot_be_queued(
    client, monkeypatch, caplog, frozen, django_capture_on_commit_callbacks
):
    from django_tasks.base import Task

    from headstrt.scheduling import services
    from tests.api.conftest import client_for
    from tests.factories import MentorProfileFactory, UserFactory

    mentor = MentorProfileFactory(offers={30: 4000})
    services.availability_set(user=mentor.user, rules=[(1, dt_time(9), dt_time(17))])

    def unreachable(self, *args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "enqueue", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(client, UserFactory()).post(
            "/bookings",
            {
                "mentor": mentor.user.public_id,
                "start": "2030-03-05T09:00:00Z",  # Tuesday 10:00 in Paris, the mentor's zone
                "minutes": 30,
                "objective": OBJECTIVE,
                "source": GOOD_CARD,
            },
        )

    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "confirmed"
    failed = [r for r in caplog.records if r.getMessage().startswith("could not enqueue")]
    # The session is 23 hours away: only its 15-minute reminder was to be queued, and the
    # failure is logged with its cause.
    assert len(failed) == 1 and failed[0].exc_info[0] is RedisConnectionError


def job_that_succeeds() -> str:
    return "done"


def job_that_fails() -> None:
    raise ValueError("the task broke")


def job_that_overruns() -> None:
    time.sleep(5)


@pytest.mark.parametrize(
    "job, timeout, closing",
    [
        (job_that_succeeds, 10, "old"),
        (job_that_fails, 10, "all"),
        # Stopped by RQ's alarm, perhaps in the middle of a query.
        (job_that_overruns, 1, "all"),
    ],
)
def test_after_a_failed_job_the_worker_closes_every_database_connection(
    redis, monkeypatch, job, timeout, closing
):
    from rq import Queue

    from headstrt.operations import task_queue

    closed = []
    monkeypatch.setattr(task_queue, "close_old_connections", lambda: closed.append("old"))
    monkeypatch.setattr(task_queue.connections, "close_all", lambda: closed.append("all"))
    queue = Queue(QUEUE, connection=redis)
    queued = queue.enqueue(job, job_timeout=timeout)

    task_queue.TaskWorker([queue], connection=redis).work(burst=True, logging_level=None)

    # Before the job the old ones, as before a request; after it, as it went.
    assert closed == ["old", closing]
    assert queued.get_status(refresh=True) == ("finished" if closing == "old" else "failed")


def test_each_process_keeps_one_redis_client_for_its_enqueues(monkeypatch, settings):
    from headstrt.operations import task_queue

    settings.RQ_QUEUES = {QUEUE: {"URL": REDIS_URL}}
    monkeypatch.setattr(task_queue, "_clients", {})
    first = task_queue.redis_client(QUEUE)

    assert task_queue.redis_client(QUEUE) is first
    # A forked process (a server worker, an RQ job) makes its own: sockets are not shared.
    monkeypatch.setattr(task_queue.os, "getpid", lambda: -1)
    assert task_queue.redis_client(QUEUE) is not first
