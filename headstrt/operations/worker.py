"""The background worker: queued tasks (emails, reminders, deadlines, refunds) and the
housekeeping sweep.

Tasks come from Redis (RQ) or from the database, as ``HEADSTRT_TASK_QUEUE`` says. The RQ
worker runs each job in the worker's own process (no fork per job) and runs RQ's scheduler,
which moves a task whose ``run_after`` has come onto the queue; of several workers, one holds
the scheduler's lock and another takes it over should that one die.
"""

import logging
import os
import threading

import django_rq
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import get_resolver
from django_tasks_rq import Job

from headstrt.housekeeping import INTERVAL_SECONDS, housekeeping_run
from headstrt.matching.indexing import mentor_index_sync
from headstrt.messaging.tasks import email_templates_load
from headstrt.operations.task_queue import TaskWorker

logger = logging.getLogger(__name__)

SWEEP_LOCK = "headstrt:housekeeping:sweep"
# How long a stopping worker waits for a sweep under way to finish.
SWEEP_STOP_SECONDS = 30


def tasks_run(*, burst: bool, interval: float) -> None:
    """Run queued tasks until stopped (SIGTERM or Ctrl-C finish the task at hand first);
    ``burst`` runs the tasks due now and returns. ``interval`` is how long the database
    queue waits when nothing is due (Redis hands tasks over as they arrive)."""
    if settings.HEADSTRT_TASK_QUEUE == "database":
        call_command("db_worker", batch=burst, interval=interval, reload=False)
        return
    worker = django_rq.get_worker(*settings.RQ_QUEUES, job_class=Job, worker_class=TaskWorker)
    # Loaded before the first job, so no task waits while every URL pattern (the whole
    # API) is imported on its first link and the email templates are compiled.
    get_resolver().reverse_dict  # noqa: B018 (reading it loads the patterns)
    email_templates_load()
    worker.work(burst=burst, with_scheduler=True, logging_level=None)


def sweeps_run(stop: threading.Event, *, interval: float = INTERVAL_SECONDS) -> None:
    """The housekeeping sweep every ``interval`` seconds until ``stop`` is set, by one worker
    at a time: of several workers (sharing the cache, so Redis), whichever takes the lock
    sweeps and the others only keep their machine's saved matching index current (it lives
    on each machine's disk). A failed sweep is logged; the next runs as planned.
    """
    while not stop.is_set():
        # The lock lapses a little before the next round, so the worker that holds it can
        # take it again; should that worker die, another takes over within an interval.
        sweeping = cache.add(SWEEP_LOCK, os.getpid(), timeout=max(1, interval * 0.9))
        try:
            if sweeping:
                logger.info("housekeeping %s", housekeeping_run())
            else:
                mentor_index_sync()
        except Exception:
            logger.exception("housekeeping failed")
        finally:
            connection.close()  # this thread's own connection; a new one next time
        stop.wait(interval)


def worker_run(*, batch: bool = False, interval: float = 1.0) -> None:
    """``headstrt worker``: tasks as they fall due, with the housekeeping sweep every 10
    minutes in a thread beside them; ``batch`` sweeps once, runs what is due and exits."""
    logger.info("worker starting, task queue: %s", settings.HEADSTRT_TASK_QUEUE)
    if batch:
        housekeeping_run()
        tasks_run(burst=True, interval=interval)
        return
    stop = threading.Event()
    sweeper = threading.Thread(target=sweeps_run, args=(stop,), name="housekeeping", daemon=True)
    sweeper.start()
    try:
        tasks_run(burst=False, interval=interval)
    finally:
        # Stopping (SIGTERM): let a sweep under way finish, within reason.
        stop.set()
        sweeper.join(timeout=SWEEP_STOP_SECONDS)
