"""The Redis task queue: django-tasks on RQ, with the corrections Headstrt needs."""

import os
from datetime import timedelta

import django_rq
from django.db import close_old_connections, connections
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq import RQBackend
from django_tasks_rq.backend import Job, failed_callback, success_callback
from redis import Redis
from rq import SimpleWorker
from rq.job import Callback, JobStatus

# Redis clients by (process, queue): one per process, whose pool keeps its connections open
# between enqueues. Keyed by process because a forked process (a gunicorn worker, an RQ job)
# must not share its parent's sockets.
_clients: dict[tuple[int, str], Redis] = {}


def redis_client(queue_name: str) -> Redis:
    """This process's Redis client for the queue ``queue_name`` (made on first use)."""
    key = (os.getpid(), queue_name)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = django_rq.get_connection(queue_name)
    return client


class RedisTaskBackend(RQBackend):
    """RQ's backend that reuses one Redis client per process and never runs a task before
    its ``run_after``.

    django-rq would build a Redis client, and so open a connection, for every task enqueued.
    RQ keeps a due time in whole seconds, rounded down, so a task could run up to a second
    early: a request's deadline task would then find the request not yet lapsed and leave it
    to the next housekeeping sweep. Rounding up to the next second keeps it on time.
    """

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        run_after = task.run_after
        if run_after is not None and run_after.microsecond:
            run_after = run_after.replace(microsecond=0) + timedelta(seconds=1)
            task = task.using(run_after=run_after)
        queue = django_rq.get_queue(
            task.queue_name, job_class=Job, connection=redis_client(task.queue_name)
        )
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=result.id,
            status=JobStatus.QUEUED if run_after is None else JobStatus.SCHEDULED,
            # The callbacks record the outcome where django-tasks looks for it.
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        if run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, run_after)
        object.__setattr__(result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=result)
        return result


class TaskWorker(SimpleWorker):
    """RQ's worker running each job in the worker's own process, without forking one per
    job: most tasks (an email, a reminder) take milliseconds, and a fresh process and
    database connection for each cost several times more.

    Around each job, as around a request, the connections past their age or broken are
    closed. After a job that failed, every connection is closed: a job stopped at its
    timeout (RQ raises an exception in it, by an alarm) may have left a query under way.
    """

    def perform_job(self, job, queue, execution) -> bool:
        close_old_connections()
        succeeded = False
        try:
            succeeded = super().perform_job(job, queue, execution)
            return succeeded
        finally:
            if succeeded:
                close_old_connections()
            else:
                connections.close_all()
