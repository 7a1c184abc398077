"""Prometheus metrics: request figures by route pattern, platform figures, who may read them,
and the sum over several worker processes under gunicorn."""

import fcntl
import http.client
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from rq.job import Job

from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.operations import metrics
from headstrt.operations.metrics import PLATFORM_FIGURES_CACHE_KEY, request_metrics
from headstrt.payments.models import Payment, PaymentStatus, Payout, PayoutStatus
from headstrt.payments.payouts import payouts_run_task
from tests.factories import MentorProfileFactory
from tests.live_server import free_port

REDIS_TEST_URL = "redis://127.0.0.1:6379/12"
ROUTE = "mentors/<slug:public_id>/"


def _requests(method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("headstrt_http_requests_total", labels) or 0.0


def _samples(text: str) -> dict[tuple, float]:
    """Every sample of an exposition page, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.django_db
def test_requests_are_counted_and_timed_by_route_pattern_never_by_path(client):
    first, second = MentorProfileFactory(), MentorProfileFactory()
    before = _requests("GET", ROUTE, "200")
    timed_before = (
        REGISTRY.get_sample_value("headstrt_http_request_duration_seconds_count", {"route": ROUTE})
        or 0.0
    )
    for mentor in (first, second):
        assert client.get(f"/mentors/{mentor.user.public_id}/").status_code == 200
    assert _requests("GET", ROUTE, "200") == before + 2
    timed = REGISTRY.get_sample_value(
        "headstrt_http_request_duration_seconds_count", {"route": ROUTE}
    )
    assert timed == timed_before + 2
    page = client.get("/metrics").content.decode()
    assert first.user.public_id not in page and second.user.public_id not in page


@pytest.mark.django_db
def test_unknown_addresses_and_odd_methods_share_a_few_label_values(client):
    before_missing = _requests("GET", "unmatched", "404")
    before_odd = sum(_requests("other", "healthz", status) for status in ("200", "405"))
    for n in range(3):
        client.get(f"/no-such-page-{n}/")
    client.generic("BREW", "/healthz")
    before_home = _requests("GET", "/", "200")
    client.get("/")
    assert _requests("GET", "/", "200") == before_home + 1
    assert _requests("GET", "unmatched", "404") == before_missing + 3
    assert sum(_requests("other", "healthz", status) for status in ("200", "405")) == (
        before_odd + 1
    )


@pytest.mark.django_db
def test_requests_in_progress_counts_the_request_being_answered(client, monkeypatch):
    from headstrt.operations import health

    seen = []
    real = health.readiness

    def observed():
        seen.append(REGISTRY.get_sample_value("headstrt_http_requests_in_progress"))
        return real()

    monkeypatch.setattr("headstrt.operations.views.readiness_checks", observed)
    client.get("/readyz")
    after = REGISTRY.get_sample_value("headstrt_http_requests_in_progress")
    assert seen == [after + 1]


@pytest.mark.django_db
def test_metrics_page_is_prometheus_text(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    openmetrics = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert openmetrics["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.content.endswith(b"# EOF\n")
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {
        "headstrt_http_requests",
        "headstrt_http_request_duration_seconds",
        "headstrt_http_requests_in_progress",
        "headstrt_tasks_waiting",
        "headstrt_payments_pending_stale",
    } <= names


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote", "headers", "status"),
    [
        ("127.0.0.1", {}, 200),
        ("::1", {}, 200),
        ("10.0.0.9", {}, 404),
        ("203.0.113.5", {}, 404),
        ("::ffff:127.0.0.1", {}, 200),  # a dual-stack socket's form of 127.0.0.1
        ("::ffff:10.0.0.9", {}, 404),
        # A proxy on this machine forwarding a visitor from outside.
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.5"}, 404),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.5"}, 404),
        ("127.0.0.1", {"X-Forwarded-Proto": "https"}, 404),
        ("127.0.0.1", {"X-Forwarded-Host": "headstrt.example"}, 404),
        ("127.0.0.1", {"Forwarded": "for=203.0.113.5"}, 404),
    ],
)
def test_without_a_token_only_this_machine_reads_the_metrics(client, remote, headers, status):
    response = client.get("/metrics", REMOTE_ADDR=remote, headers=headers)
    assert response.status_code == status
    if status == 404:
        assert b"headstrt_" not in response.content


@pytest.mark.django_db
def test_behind_declared_proxies_no_request_is_local_without_a_token(client, settings):
    # nginx on this machine adds no forwarding header by default: every visitor would come
    # from 127.0.0.1.
    settings.HEADSTRT_TRUSTED_PROXY_COUNT = 1
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    settings.HEADSTRT_METRICS_TOKEN = "s3cret-metrics-token"
    authorized = {"Authorization": "Bearer s3cret-metrics-token"}
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", headers=authorized).status_code == 200


@pytest.mark.django_db
def test_a_second_server_of_the_same_name_is_refused_and_the_first_keeps_its_figures(
    tmp_path, settings
):
    settings.DATA_DIR = tmp_path
    folder = tmp_path / "metrics" / "127.0.0.1_8000"
    # The first server runs in another process, holding its lock.
    first = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django, os, sys, time\n"
            "django.setup()\n"
            "from headstrt.operations.metrics import metrics_directory_prepare\n"
            "metrics_directory_prepare('127.0.0.1:8000')\n"
            "open(os.path.join(os.environ['PROMETHEUS_MULTIPROC_DIR'], 'counter_1.db'), 'w')\n"
            "print('ready', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        env={**os.environ, "HEADSTRT_DATA_DIR": str(tmp_path)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout.readline().strip() == "ready"
        previous = os.environ.get(metrics.MULTIPROCESS_VARIABLE)
        with pytest.raises(DomainError, match="Another server named 127.0.0.1_8000"):
            metrics.metrics_directory_prepare("127.0.0.1:8000")
        assert (folder / "counter_1.db").exists()
        assert os.environ.get(metrics.MULTIPROCESS_VARIABLE) == previous
    finally:
        first.communicate("", timeout=30)
    # Once it has stopped, the name is free again (not done here: it would switch this
    # process to multiprocess mode); the lock was the running server's alone.
    with open(tmp_path / "metrics" / "127.0.0.1_8000.lock") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)


@pytest.mark.django_db
def test_a_failing_metrics_store_never_fails_the_request(client, monkeypatch, caplog):
    def broken(**figures):
        raise OSError(28, "No space left on device")

    figures = request_metrics()
    monkeypatch.setattr(type(figures), "request_answered", lambda self, **f: broken())
    monkeypatch.setattr(figures.in_progress, "inc", broken)
    for _ in range(2):
        assert client.get("/healthz").status_code == 200
    failures = [r for r in caplog.records if "could not be recorded" in r.getMessage()]
    assert len(failures) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer wrong-token", 401),
        ("s3cret-metrics-token", 401),  # no scheme
        ("Basic s3cret-metrics-token", 401),
        ("Bearer s3cret-metrics-token", 200),
    ],
)
def test_with_a_token_every_scraper_must_bear_it(client, settings, authorization, status):
    settings.HEADSTRT_METRICS_TOKEN = "s3cret-metrics-token"
    headers = {"Authorization": authorization} if authorization else {}
    for remote in ("127.0.0.1", "10.0.0.9"):
        response = client.get("/metrics", REMOTE_ADDR=remote, headers=headers)
        assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


def _platform_figures(client) -> dict[str, float]:
    cache.delete(PLATFORM_FIGURES_CACHE_KEY)
    page = _samples(client.get("/metrics").content.decode())
    return {
        name: value
        for (name, labels), value in page.items()
        if name.startswith("headstrt_t") or name.startswith("headstrt_pay")
    }


def _payment(status: str, age: timedelta) -> Payment:
    return Payment.objects.create(
        key=f"payment-{uuid.uuid4()}",
        kind="session",
        amount_minor=4000,
        currency="EUR",
        provider="test",
        status=status,
        created_at=clock.now() - age,
    )


def _payout(status: str) -> Payout:
    return Payout.objects.create(
        key=f"payout-{uuid.uuid4()}",
        amount_minor=9000,
        currency="EUR",
        provider="test",
        status=status,
        created_at=clock.now(),
    )


@pytest.mark.django_db
def test_payments_left_pending_and_failed_payouts_are_counted(client):
    _payment(PaymentStatus.PENDING, timedelta(minutes=16))
    _payment(PaymentStatus.PENDING, timedelta(hours=5))
    _payment(PaymentStatus.PENDING, timedelta(minutes=2))  # the provider may still answer
    _payment(PaymentStatus.SUCCEEDED, timedelta(hours=5))
    _payout(PayoutStatus.FAILED)
    _payout(PayoutStatus.PAID)
    figures = _platform_figures(client)
    assert figures["headstrt_payments_pending_stale"] == 2
    assert figures["headstrt_payouts_failed"] == 1


@pytest.mark.django_db
def test_platform_figures_are_read_at_most_every_thirty_seconds(client):
    _platform_figures(client)
    _payout(PayoutStatus.FAILED)
    page = _samples(client.get("/metrics").content.decode())
    assert page[("headstrt_payouts_failed", ())] == 0  # from the cache
    cache.delete(PLATFORM_FIGURES_CACHE_KEY)
    page = _samples(client.get("/metrics").content.decode())
    assert page[("headstrt_payouts_failed", ())] == 1


@pytest.mark.django_db
def test_tasks_waiting_and_failed_on_the_database_queue(client, settings):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert _platform_figures(client)["headstrt_tasks_waiting"] == 0
    payouts_run_task.enqueue()
    payouts_run_task.enqueue()
    payouts_run_task.using(run_after=clock.now() + timedelta(hours=1)).enqueue()  # not due
    failed = payouts_run_task.enqueue()
    DBTaskResult.objects.filter(id=failed.id).update(status=TaskResultStatus.FAILED)
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
        enqueued_at=clock.now() - timedelta(minutes=3)
    )
    figures = _platform_figures(client)
    assert figures["headstrt_tasks_waiting"] == 2
    assert figures["headstrt_tasks_failed"] == 1
    assert 180 <= figures["headstrt_tasks_oldest_waiting_seconds"] < 240


@pytest.fixture
def redis_queue(settings):
    """A task queue of this test's own in Redis database 12."""
    connection = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    name = f"metrics-test-{uuid.uuid4().hex[:12]}"
    settings.RQ_QUEUES = {name: {"URL": REDIS_TEST_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}}
    yield name
    import django_rq

    queue = django_rq.get_queue(name)
    for registry in (queue.failed_job_registry, queue.scheduled_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)
    connection.close()


@pytest.mark.django_db
def test_tasks_waiting_and_failed_on_the_redis_queue(client, redis_queue):
    import django_rq

    on_queue = payouts_run_task.using(queue_name=redis_queue)
    on_queue.enqueue()
    on_queue.enqueue()
    on_queue.using(run_after=clock.now() + timedelta(hours=1)).enqueue()  # scheduled, not due
    queue = django_rq.get_queue(redis_queue)
    broken = Job.create("headstrt.no_such_module.task", connection=queue.connection)
    queue.failed_job_registry.add(broken, ttl=60, exc_string="boom")
    figures = _platform_figures(client)
    assert figures["headstrt_tasks_waiting"] == 2
    assert figures["headstrt_tasks_failed"] == 1
    assert 0 <= figures["headstrt_tasks_oldest_waiting_seconds"] < 60


def _get(port: int, address: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", address)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def _worker_pids(arbiter_pid: int) -> list[int]:
    children = Path(f"/proc/{arbiter_pid}/task/{arbiter_pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def _wait_for(condition, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_under_gunicorn_the_metrics_sum_every_worker_process(tmp_path):
    """Two workers, each request answered by either: one scrape counts them all, and a
    worker that exits leaves its counts but not its requests in progress."""
    port = free_port()
    config = tmp_path / "gunicorn_test.py"
    config.write_text(
        textwrap.dedent(
            f"""
            import django

            django.setup()
            from headstrt.operations.metrics import metrics_directory_prepare, worker_exited

            metrics_directory_prepare("127.0.0.1_{port}")
            bind = "127.0.0.1:{port}"
            workers = 2
            worker_class = "gthread"
            threads = 2
            preload_app = True
            accesslog = None


            def child_exit(server, worker):
                worker_exited(worker.pid)
            """
        )
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("HEADSTRT_")}
    env.pop("DATABASE_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(DJANGO_SETTINGS_MODULE="headstrt.settings", HEADSTRT_DATA_DIR=str(tmp_path))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "headstrt.wsgi:application"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: len(_worker_pids(server.pid)) == 2 and _get(port, "/healthz")[0] == 200)
        folder = tmp_path / "metrics" / f"127.0.0.1_{port}"
        healthz = (
            "headstrt_http_requests_total",
            (("method", "GET"), ("route", "healthz"), ("status", "200")),
        )
        before = _samples(_get(port, "/metrics")[1])[healthz]
        for _ in range(20):  # a new connection each: the workers share them
            assert _get(port, "/healthz")[0] == 200
        page = _samples(_get(port, "/metrics")[1])
        assert page[healthz] == before + 20
        assert page[("headstrt_http_requests_in_progress", ())] == 1  # the scrape itself

        healthz_timings = {
            key: value
            for key, value in page.items()
            if key[0].startswith("headstrt_http_request_duration")
            and ("route", "healthz") in key[1]
        }
        # A worker that answered requests is replaced (as after max_requests).
        leaving = next(
            pid for pid in _worker_pids(server.pid) if (folder / f"counter_{pid}.db").exists()
        )
        os.kill(leaving, signal.SIGTERM)
        _wait_for(
            lambda: (
                not (folder / f"gauge_livesum_{leaving}.db").exists()
                and len(_worker_pids(server.pid)) == 2
            )
        )
        # Its counts moved into the archive: the folder does not grow with each worker.
        assert not list(folder.glob(f"*_{leaving}.db"))
        assert (folder / "counter_archive.db").exists()
        assert (folder / "histogram_archive.db").exists()
        page = _samples(_get(port, "/metrics")[1])
        assert page[healthz] == before + 20  # the exited worker's counts stay
        assert healthz_timings and all(page[key] == value for key, value in healthz_timings.items())
        assert page[("headstrt_http_requests_in_progress", ())] == 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
