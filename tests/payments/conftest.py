"""Fixtures for the payments flow tests: the clock stopped at ``NOW``, the Paris mentor and
the Tokyo mentee of tests/scheduling/sessions.py, running a block as if it committed, and
the check that the ledger still adds up once a test is done.

Test modules import the services; this file imports them only inside fixtures, so the test
task backend is in place first (see tests/scheduling/conftest.py)."""

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
def mentee(db):
    from tests.scheduling.sessions import tokyo_mentee

    return tokyo_mentee()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as if its transactions committed (refunds are sent after commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def reconciled(db):
    """After the test, the ledger balances per currency and every cached balance matches
    its entries; no wallet or escrow is below zero."""
    yield
    from headstrt.payments.ledger import ledger_reconcile
    from headstrt.payments.models import AccountKind, LedgerAccount

    report = ledger_reconcile()
    assert report.balanced, report
    assert not LedgerAccount.objects.filter(
        kind__in=[AccountKind.MENTEE_WALLET, AccountKind.ESCROW], balance_minor__lt=0
    ).exists()
