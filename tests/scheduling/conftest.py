"""Fixtures for the scheduling tests: the clock stopped at ``NOW``, the Paris mentor (paid or
free sessions) and the Tokyo mentee of sessions.py, and running a block as if its transactions
committed.

sessions.py is imported inside the fixtures: pytest can import this file before tests/conftest.py
puts in the test task backend, and importing the scheduling services that early would tie their
tasks to the configured backend instead."""

import pytest

from tests.clock import Clock


@pytest.fixture
def frozen(monkeypatch) -> Clock:
    from tests.scheduling.sessions import NOW

    return Clock(monkeypatch, NOW)


@pytest.fixture
def mentor(db):
    from tests.scheduling.sessions import paris_mentor

    return paris_mentor()


@pytest.fixture
def free_mentor(db):
    """The Paris mentor with free sessions: checked out without a payment."""
    from tests.scheduling.sessions import paris_mentor

    return paris_mentor(offers={30: 0, 60: 0})


@pytest.fixture
def mentee(db):
    from tests.scheduling.sessions import tokyo_mentee

    return tokyo_mentee()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as if its transactions committed, with everything waiting on commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
