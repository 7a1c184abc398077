"""A task backend for tests: tasks due now run at once, deferred ones wait for ``run_due``.

Deferred tasks run when the test moves ``headstrt.core.clock.now`` past their ``run_after``
and calls ``run_due()``, so a test sees exactly what a worker would do at that time.
Failures are raised, not recorded, so a broken task fails its test.
"""

from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.utils import get_random_id

from headstrt.core import clock


class DeferringTestBackend(BaseTaskBackend):
    supports_defer = True
    supports_priority = True

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.deferred: list[TaskResult] = []
        self.ran: list[TaskResult] = []

    def enqueue(self, task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        if task.run_after is None:
            self._run(result)
        else:
            self.deferred.append(result)
        return result

    def _run(self, result: TaskResult) -> None:
        self.ran.append(result)
        result.task.call(*result.args, **result.kwargs)

    def run_due(self) -> int:
        """Run, in time order, the deferred tasks due at ``clock.now()``; how many ran."""
        count = 0
        while due := sorted(
            (result for result in self.deferred if result.task.run_after <= clock.now()),
            key=lambda result: result.task.run_after,
        ):
            self.deferred.remove(due[0])
            self._run(due[0])
            count += 1
        return count

    def waiting(self, name: str) -> list[TaskResult]:
        """Deferred tasks whose function is called ``name``."""
        return [result for result in self.deferred if result.task.name == name]

    def clear(self) -> None:
        self.deferred.clear()
        self.ran.clear()
