"""Readiness: whether this process can serve requests now (database, migrations, Redis)."""

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

# A readiness probe must answer before the load balancer gives up on it (often 2-5 s).
REDIS_TIMEOUT_SECONDS = 1.0
DATABASE_TIMEOUT_MILLISECONDS = 2000


@dataclass(frozen=True)
class CheckResult:
    """One dependency checked: whether it is usable, how long the check took, and why not."""

    name: str
    ok: bool
    milliseconds: float
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {"ok": self.ok, "ms": round(self.milliseconds, 2)}
        if self.error:
            answer["error"] = self.error
        return answer


@dataclass(frozen=True)
class Readiness:
    """Every check's result; ready when all passed."""

    checks: list[CheckResult]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ready else "unavailable",
            "checks": {check.name: check.as_dict() for check in self.checks},
        }


def readiness() -> Readiness:
    """Check the database answers, no migration is waiting, and Redis answers when the site
    uses it. The migration check is skipped when the database does not answer."""
    checks = [_timed("database", _database_answers)]
    if checks[0].ok:
        checks.append(_timed("migrations", _migrations_applied))
    if settings.REDIS_URL:
        checks.append(_timed("redis", _redis_answers))
    return Readiness(checks)


def _timed(name: str, check: Callable[[], str]) -> CheckResult:
    """Run ``check``, which returns "" when all is well or a reason; an exception fails it."""
    started = time.perf_counter()
    try:
        error = check()
    except Exception as exc:
        # The reason in the answer stays short (the probe may be public); the log has it all.
        logger.warning("Readiness check %s failed.", name, exc_info=True)
        error = f"{type(exc).__name__}"
    return CheckResult(
        name=name,
        ok=not error,
        milliseconds=(time.perf_counter() - started) * 1000,
        error=error,
    )


def _database_answers() -> str:
    # The connection itself gives up after the connect_timeout of the DATABASES setting.
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(using=DEFAULT_DB_ALIAS), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A database too busy to answer within this is not ready (for this transaction
            # only, so the pooled connection keeps its usual settings).
            cursor.execute(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_MILLISECONDS}")
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return ""


_migrations_known_applied = False


def _migrations_applied() -> str:
    # Once all are applied they stay so for this process's code, so the (slow) migration
    # graph is loaded only until the release's migrations have run.
    global _migrations_known_applied
    if _migrations_known_applied:
        return ""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    waiting = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if waiting:
        return f"{len(waiting)} migrations not applied"
    _migrations_known_applied = True
    return ""


def readiness_memory_reset() -> None:
    """Forget that the migrations were found applied (tests)."""
    global _migrations_known_applied
    _migrations_known_applied = False
    _redis_client.cache_clear()


@functools.cache
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )


def _redis_answers() -> str:
    _redis_client(settings.REDIS_URL).ping()
    return ""
