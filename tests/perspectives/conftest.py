"""Fixtures for the perspectives tests: the clock stopped at ``NOW``, a mentee, mentors who
answer in writing, a ledger that still adds up afterwards, and running a block as if its
transactions committed.

asking.py is imported inside the fixtures: pytest can import this file before
tests/conftest.py puts in the test task backend (see tests/scheduling/conftest.py)."""

import pytest

from tests.clock import Clock
from tests.payments.conftest import reconciled  # noqa: F401
from tests.scheduling.conftest import committed  # noqa: F401


@pytest.fixture(autouse=True)
def frozen(monkeypatch) -> Clock:
    from tests.perspectives.asking import NOW

    return Clock(monkeypatch, NOW)


@pytest.fixture
def mentee(db):
    from tests.factories import UserFactory

    return UserFactory(display_name="Mia Mentee", email="mia@example.org", time_zone="Asia/Tokyo")


@pytest.fixture
def mentors(db):
    """Three mentors answering in writing: Ana (free), Ben (€20.00) and Cleo (€35.00)."""
    from tests.perspectives.asking import answering_mentor

    return [
        answering_mentor("Ana Free", price=0),
        answering_mentor("Ben Paid", price=2000),
        answering_mentor("Cleo Paid", price=3500),
    ]
