"""Prometheus metrics: request figures from every worker process, and a few platform
figures worth alerting on (background tasks waiting or failed, payments and payouts stuck).

Under the production server, several worker processes answer requests, and a scrape reaches
only one of them. prometheus-client's multiprocess mode has each process write its figures
to files in one folder, which any process sums when scraped. The folder is named by the
environment variable ``PROMETHEUS_MULTIPROC_DIR``, which prometheus-client reads when it is
first imported: this module therefore imports it only inside functions, after the server
has called ``metrics_directory_prepare``. Without that variable (development server, tests)
the figures live in the process's default registry.
"""

import fcntl
import functools
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache

from headstrt.core import clock
from headstrt.core.errors import DomainError

logger = logging.getLogger(__name__)

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# Seconds; 0.2 marks the target for the 99th percentile under load.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0)

# Methods outside this set share one label, so odd clients cannot add label values.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Platform figures are database (or Redis) counts: each server computes them at most this
# often, and through a shared cache the whole site at most about as often.
PLATFORM_FIGURES_SECONDS = 30
PLATFORM_FIGURES_CACHE_KEY = "operations:platform-figures"
# A payment the provider has not settled after this long has lost its answer or its webhook.
PAYMENT_STALE_AFTER = timedelta(minutes=15)


# The lock file of the metrics folder this process's server holds, open for its lifetime.
_server_lock: Any = None


def metrics_directory_prepare(name: str) -> None:
    """Give the server ``name`` (unique on this machine, e.g. ``127.0.0.1_8000``) an empty
    folder for its workers' metrics, DATA_DIR/metrics/<name>, and point
    ``PROMETHEUS_MULTIPROC_DIR`` at it. Call it in the server process before workers start.

    Emptied because files left by a previous run would be summed with the new workers'; so
    first the server takes an exclusive lock on ``<name>.lock``, held while it runs, and a
    second server of the same name is refused (``DomainError``) instead of wiping the
    figures of the one running.
    """
    global _server_lock
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "server"
    directory = Path(settings.DATA_DIR) / "metrics" / safe_name
    directory.parent.mkdir(parents=True, exist_ok=True)
    if _server_lock is not None:
        # Prepared again in this process: its own earlier lock must not refuse it.
        _server_lock.close()
        _server_lock = None
    lock_file = open(directory.parent / f"{safe_name}.lock", "a")  # noqa: SIM115 (held)
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        lock_file.close()
        raise DomainError(
            "server_already_running",
            f"Another server named {safe_name} is running on this machine (it holds "
            f"{lock_file.name}): stop it, or use another address or port.",
        ) from error
    # Kept open (and never inherited by programs run later) until the process ends.
    os.set_inheritable(lock_file.fileno(), False)
    _server_lock = lock_file
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[MULTIPROCESS_VARIABLE] = str(directory)
    values = sys.modules.get("prometheus_client.values")
    if values is not None:
        # Imported earlier in this process: metrics made from now on must use the files too.
        values.ValueClass = values.get_value_class()


def worker_exited(pid: int) -> None:
    """Tidy up after the worker process ``pid`` has exited (gunicorn's ``child_exit``): its
    live figures (requests in progress) are dropped, and its counts are added into one
    archive file per metric type, so the folder does not grow by a few files each time a
    worker is replaced (``max_requests``) and scrapes stay as fast as on the first day."""
    directory = os.environ.get(MULTIPROCESS_VARIABLE)
    if not directory:
        return
    from prometheus_client import multiprocess

    with _folder_lock(directory, fcntl.LOCK_EX):
        multiprocess.mark_process_dead(pid, directory)
        for kind in ("counter", "histogram", "summary"):
            _fold_into_archive(Path(directory), kind, pid)


def _fold_into_archive(directory: Path, kind: str, pid: int) -> None:
    from prometheus_client.mmap_dict import MmapedDict, mmap_key
    from prometheus_client.multiprocess import MultiProcessCollector

    exited = directory / f"{kind}_{pid}.db"
    if not exited.exists():
        return
    archive = directory / f"{kind}_archive.db"
    sources = [str(path) for path in (archive, exited) if path.exists()]
    # Not accumulated: histogram buckets stay per bucket, as the files hold them.
    merged = MultiProcessCollector.merge(sources, accumulate=False)
    target = MmapedDict(str(archive))
    try:
        for metric in merged:
            for sample in metric.samples:
                key = mmap_key(
                    metric.name,
                    sample.name,
                    list(sample.labels),
                    list(sample.labels.values()),
                    metric.documentation,
                )
                target.write_value(key, sample.value, 0.0)
    finally:
        target.close()
    exited.unlink()


@contextmanager
def _folder_lock(directory: str, mode: int) -> Iterator[None]:
    """Scrapes read the folder under a shared lock while ``worker_exited`` moves an exited
    worker's counts into the archive under an exclusive one: no scrape sees them twice or
    not at all (which Prometheus would take for a counter reset)."""
    with open(Path(directory) / "folder.lock", "a") as lock_file:
        fcntl.flock(lock_file, mode)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@dataclass(frozen=True)
class RequestMetrics:
    """The figures the request middleware records for every request."""

    requests: Any
    duration: Any
    in_progress: Any

    def request_answered(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        label = method if method in KNOWN_METHODS else "other"
        self.requests.labels(method=label, route=route, status=str(status)).inc()
        self.duration.labels(route=route).observe(seconds)


@functools.cache
def request_metrics() -> RequestMetrics:
    """This process's request metrics, made on first use (after the server set up the
    multiprocess folder). ``route`` is the URL pattern, never the path, so label values stay
    few however many objects the site holds."""
    from prometheus_client import Counter, Gauge, Histogram

    return RequestMetrics(
        requests=Counter(
            "headstrt_http_requests",
            "HTTP requests answered, by method, route pattern and status code.",
            ["method", "route", "status"],
        ),
        duration=Histogram(
            "headstrt_http_request_duration_seconds",
            "Time from receiving a request to returning its response (for a stream, until "
            "it starts), by route pattern.",
            ["route"],
            buckets=DURATION_BUCKETS,
        ),
        in_progress=Gauge(
            "headstrt_http_requests_in_progress",
            "Requests being handled now, summed over the live worker processes.",
            multiprocess_mode="livesum",
        ),
    )


def metrics_page(accept: str) -> tuple[bytes, str]:
    """Every metric in the format the scraper's ``Accept`` header asks for (Prometheus
    text 0.0.4 when it names none), and its content type."""
    from prometheus_client import REGISTRY, CollectorRegistry
    from prometheus_client.exposition import choose_encoder

    directory = os.environ.get(MULTIPROCESS_VARIABLE)
    if directory:
        from prometheus_client.multiprocess import MultiProcessCollector

        with _folder_lock(directory, fcntl.LOCK_SH):
            request_figures = list(MultiProcessCollector(None, directory).collect())
    else:
        request_figures = list(REGISTRY.collect())
    registry = CollectorRegistry()
    registry.register(_Collected(request_figures))
    registry.register(_PlatformCollector())
    encode, content_type = choose_encoder(accept)
    return encode(registry), content_type


class _Collected:
    """Metric families already collected, for a registry to show."""

    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> list[Any]:
        return self.families


PLATFORM_GAUGES = {
    "tasks_waiting": (
        "headstrt_tasks_waiting",
        "Background tasks due to run that no worker has started.",
    ),
    "tasks_oldest_waiting_seconds": (
        "headstrt_tasks_oldest_waiting_seconds",
        "How long the longest-waiting due task has waited (0 when none waits).",
    ),
    "tasks_failed": (
        "headstrt_tasks_failed",
        "Background tasks that failed, as kept by the task queue.",
    ),
    "payments_pending_stale": (
        "headstrt_payments_pending_stale",
        "Payments still pending 15 minutes after they were made (the provider's answer or "
        "webhook has not arrived).",
    ),
    "payouts_failed": (
        "headstrt_payouts_failed",
        "Payouts to mentors that the provider refused.",
    ),
}


class _PlatformCollector:
    """The platform figures, read when scraped."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        try:
            figures = platform_figures()
        except Exception:
            # The request figures are still worth serving; /readyz tells what is down.
            logger.warning("The platform figures could not be read.", exc_info=True)
            return
        for key, (name, documentation) in PLATFORM_GAUGES.items():
            yield GaugeMetricFamily(name, documentation, value=figures[key])


def platform_figures() -> dict[str, float]:
    """The platform figures (see ``PLATFORM_GAUGES``), at most PLATFORM_FIGURES_SECONDS old."""
    figures = cache.get(PLATFORM_FIGURES_CACHE_KEY)
    if figures is None:
        figures = _task_figures() | _payment_figures()
        cache.set(PLATFORM_FIGURES_CACHE_KEY, figures, PLATFORM_FIGURES_SECONDS)
    return figures


def _payment_figures() -> dict[str, float]:
    from headstrt.payments.models import Payment, PaymentStatus, Payout, PayoutStatus

    stale_before = clock.now() - PAYMENT_STALE_AFTER
    return {
        "payments_pending_stale": Payment.objects.filter(
            status=PaymentStatus.PENDING, created_at__lt=stale_before
        ).count(),
        "payouts_failed": Payout.objects.filter(status=PayoutStatus.FAILED).count(),
    }


def _task_figures() -> dict[str, float]:
    from django_tasks import task_backends

    backend = task_backends["default"]
    backend_path = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if backend_path.startswith("django_tasks_db."):
        return _database_task_figures(backend.alias)
    if backend_path.startswith("django_tasks_rq."):
        return _redis_task_figures(backend.queues)
    return {"tasks_waiting": 0, "tasks_oldest_waiting_seconds": 0, "tasks_failed": 0}


def _database_task_figures(alias: str) -> dict[str, float]:
    from django.db.models import Case, Count, F, Min, When
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    results = DBTaskResult.objects.filter(backend_name=alias)
    # A task without run_after is due from when it was enqueued, one with it from run_after.
    waiting = results.ready().aggregate(
        count=Count("id"),
        due_since=Min(
            Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
        ),
    )
    return {
        "tasks_waiting": waiting["count"],
        "tasks_oldest_waiting_seconds": _seconds_since(waiting["due_since"]),
        "tasks_failed": results.filter(status=TaskResultStatus.FAILED).count(),
    }


def _redis_task_figures(queue_names: set[str]) -> dict[str, float]:
    import django_rq

    waiting = failed = 0
    due_since = None
    for name in sorted(queue_names):
        queue = django_rq.get_queue(name)
        waiting += queue.count
        failed += queue.failed_job_registry.count
        # A scheduled job is enqueued when it falls due, so enqueued_at is when it was due.
        first = queue.get_job_ids(0, 1)
        job = queue.fetch_job(first[0]) if first else None
        if job is not None and job.enqueued_at is not None:
            due_since = min(filter(None, [due_since, job.enqueued_at]))
    return {
        "tasks_waiting": waiting,
        "tasks_oldest_waiting_seconds": _seconds_since(due_since),
        "tasks_failed": failed,
    }


def _seconds_since(moment: Any) -> float:
    if moment is None:
        return 0.0
    if moment.tzinfo is None:  # RQ versions differ; naive times there are UTC
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (clock.now() - moment).total_seconds())
