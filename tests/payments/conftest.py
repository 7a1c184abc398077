"""Fixtures for the payments flow tests: the scheduling tests' clock, Paris mentor, Tokyo
mentee and ``committed`` block, and the check that the ledger still adds up once a test is
done.

Test modules import the services; this file imports them only inside fixtures, so the test
task backend is in place first (see tests/scheduling/conftest.py)."""

import pytest

from tests.scheduling.conftest import committed, frozen, mentee, mentor  # noqa: F401


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
