"""Fixtures for every test: fast argon2, loopback SMTP, background tasks on demand, API clients."""

from pathlib import Path

import pytest
from django.core.cache import cache

from tests.smtp import SmtpServer


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "tests.tasks_backend.DeferringTestBackend"}}


@pytest.fixture(scope="session", autouse=True)
def _no_sqlite_test_files_left():
    """Remove what SQLite leaves of this process's test database file: Django deletes the
    file, not its write-ahead log and shared-memory index while a live server thread still
    holds a connection. Torn down after the database, as it is set up before it."""
    from django.conf import settings

    yield
    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME") or ""
    if database["ENGINE"].endswith("sqlite3") and name:
        for leftover in Path(name).parent.glob(f"{Path(name).name}*"):
            leftover.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _email_through_loopback_smtp(settings, smtp_server):
    """Every test sends email through a real SMTP server on 127.0.0.1."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    smtp_server.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached values never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _private_data_dir(settings, tmp_path_factory):
    """Files the platform writes (the matching index) go to a folder of the test's own, not
    var/, so no test loads an index another test saved."""
    settings.DATA_DIR = tmp_path_factory.mktemp("data")


@pytest.fixture(autouse=True)
def _fresh_matching_index():
    """Each test starts with no index in memory, so it is built from that test's database."""
    from headstrt.matching.indexing import mentor_index_reset

    mentor_index_reset()
    yield
    mentor_index_reset()


@pytest.fixture
def steady_index_refresh(monkeypatch):
    """The index re-reads the mentors changed in the last day on each search instead of the
    last few seconds, and is reconciled daily instead of every few minutes, so a query count
    pinned around a search does not depend on how fast the machine ran the test."""
    from datetime import timedelta

    from headstrt.matching import indexing

    monkeypatch.setattr(indexing, "REFRESH_LAG", timedelta(days=1))
    monkeypatch.setattr(indexing, "RECONCILE_EVERY", timedelta(days=1))


@pytest.fixture(autouse=True)
def tasks():
    """The test task backend: tasks due now have run; ``tasks.run_due()`` runs the deferred
    ones whose time ``clock.now`` has reached. Each test starts with none waiting."""
    from django_tasks import task_backends

    backend = task_backends["default"]
    backend.clear()
    yield backend
    backend.clear()


@pytest.fixture
def mailbox(smtp_server):
    """The loopback SMTP server's received messages."""
    return smtp_server


def pytest_terminal_summary(terminalreporter):
    """Say plainly when the browser tests could not run."""
    from tests.browser.chromium import CHROMIUM, chromium_available

    if not chromium_available():
        terminalreporter.write_line(
            f"NOTE: browser tests were SKIPPED: no Chromium at {CHROMIUM}. "
            "Install Debian's 'chromium' package to run them.",
            yellow=True,
            bold=True,
        )
