"""Liveness and readiness endpoints, as a load balancer calls them."""

import os
import socket
import subprocess
import sys
import time

import pytest
import redis
from django.db import OperationalError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from headstrt.accounts.models import User
from headstrt.operations import health

REDIS_TEST_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture(autouse=True)
def _fresh_readiness_memory():
    health.readiness_memory_reset()
    yield
    health.readiness_memory_reset()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_liveness_answers_without_touching_the_database(client):
    # No django_db mark: any database access would raise and fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/healthz", "/readyz"])
def test_probes_by_ip_address_over_plain_http_are_answered_in_production(client, settings, address):
    # Load balancers probe each server by its address, over HTTP inside the network.
    settings.ALLOWED_HOSTS = ["headstrt.example"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(address, headers={"Host": "10.0.4.17:8000"})
    assert response.status_code == 200
    # Everything else still gets the host check and the redirect.
    assert client.get("/", headers={"Host": "10.0.4.17:8000"}).status_code == 400
    assert client.get("/", headers={"Host": "headstrt.example"}).status_code == 301


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/healthz", "/readyz"])
def test_probes_take_only_get_and_head(client, address):
    assert client.head(address).status_code == 200
    for method in (client.post, client.put, client.delete):
        assert method(address).status_code == 405


@pytest.mark.django_db
def test_ready_when_the_database_answers_and_every_migration_is_applied(client, settings):
    settings.REDIS_URL = None
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations"}
    for check in body["checks"].values():
        assert check["ok"] is True and check["ms"] >= 0 and "error" not in check


@pytest.mark.django_db
def test_not_ready_when_the_database_does_not_answer(client, settings, monkeypatch):
    settings.REDIS_URL = None

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    # The migrations cannot be checked without the database: they are not reported.
    assert body["checks"] == {
        "database": {
            "ok": False,
            "ms": body["checks"]["database"]["ms"],
            "error": "OperationalError",
        }
    }


@pytest.mark.django_db
def test_not_ready_while_migrations_wait_and_ready_once_they_ran(client, settings, monkeypatch):
    settings.REDIS_URL = None
    real_plan = MigrationExecutor.migration_plan
    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [("a migration", False)] * 2
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["error"] == "2 migrations not applied"

    monkeypatch.setattr(MigrationExecutor, "migration_plan", real_plan)
    assert client.get("/readyz").status_code == 200

    # Found applied once, the (slow) migration graph is not loaded again.
    def must_not_load(self, targets):
        raise AssertionError("the migration plan was computed again")

    monkeypatch.setattr(MigrationExecutor, "migration_plan", must_not_load)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_not_ready_when_redis_does_not_answer_and_the_probe_still_answers_fast(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/12"
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < health.REDIS_TIMEOUT_SECONDS * 3
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"]
    assert checks["redis"]["ok"] is False and checks["redis"]["error"] == "ConnectionError"


@pytest.mark.django_db
def test_ready_with_redis_when_it_answers(client, settings, redis_available):
    settings.REDIS_URL = REDIS_TEST_URL
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"]["ok"] is True


@pytest.fixture
def redis_available():
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def postgresql_options(**environment) -> str:
    """The database OPTIONS the settings give a PostgreSQL DATABASE_URL, in a fresh process."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.DATABASES['default']['OPTIONS'])",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "headstrt.settings",
            "DATABASE_URL": "postgresql://app@db.internal:5432/headstrt?sslmode=require",
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return loaded.stdout.strip()


def test_a_postgresql_database_that_does_not_answer_fails_the_connection_within_seconds():
    options = postgresql_options()
    assert "'connect_timeout': 3" in options and "'sslmode': 'require'" in options


def test_statements_are_prepared_unless_a_transaction_pooler_stands_between():
    options = postgresql_options(HEADSTRT_DB_TRANSACTION_POOLING="0")
    assert "'server_side_binding': True" in options and "'prepare_threshold': 5" in options
    pooled = postgresql_options(HEADSTRT_DB_TRANSACTION_POOLING="1")
    assert "'prepare_threshold': None" in pooled


@pytest.mark.django_db
def test_a_statement_a_connection_runs_again_and_again_is_prepared_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(6):
        assert not User.objects.filter(email="nobody@example.org").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("nobody" not in text and "accounts_user" in text for text in prepared)


@pytest.mark.django_db(transaction=True)
def test_the_readiness_query_has_a_time_limit_on_postgresql(client, settings):
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    settings.REDIS_URL = None
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/readyz").status_code == 200
    assert any("SET LOCAL statement_timeout" in query["sql"] for query in queries)
    with connection.cursor() as cursor:  # the connection's own setting is left as it was
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
