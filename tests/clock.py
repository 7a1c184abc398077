"""The platform's clock in tests: stopped at a chosen moment, and moved by the test."""

from datetime import datetime, timedelta

import pytest

from headstrt.core import clock


class Clock:
    """``headstrt.core.clock.now`` answering ``self.now``, which the test sets or moves."""

    def __init__(self, monkeypatch, now: datetime):
        self.now = now
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def move(self, **delta) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


def frozen_at(moment: datetime, autouse: bool = True):
    """A fixture giving each test a ``Clock`` stopped at ``moment``. A test module names it by
    assignment, ``frozen = frozen_at(NOW)``; with ``autouse=False`` only the tests (and
    fixtures) that ask for it by that name get a stopped clock."""

    @pytest.fixture(autouse=autouse)
    def frozen(monkeypatch) -> Clock:
        return Clock(monkeypatch, moment)

    return frozen
