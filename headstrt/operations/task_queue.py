"""The Redis task queue: django-tasks on RQ, with the corrections Headstrt needs."""

import os
from datetime import timedelta

import django_rq
from django.db import connections
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq import RQBackend
from django_tasks_rq.backend import Job, failed_callback, success_callback
from redis import Redis
from rq import Worker
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


class TaskWorker(Worker):
    """RQ's forking worker whose job process closes its database connections when the job
    ends: the process then exits without Django's cleanup, and the database server would
    log each dropped connection."""

    def perform_job(self, job, queue, execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)
        finally:
            connections.close_all()
