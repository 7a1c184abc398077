"""Background tasks of payments: refunds sent to the provider, escrow released when due.

Each is safe to run twice or late: refunds carry their own idempotency key to the provider,
and a release is posted once under its key.
"""

from django_tasks import task

from headstrt.payments import services


@task()
def refund_send(refund_key: str) -> str:
    """Send one refund to the provider, after the transaction that decided it committed."""
    return services.refund_send(refund_key=refund_key)


@task()
def escrows_release() -> int:
    """Settle the escrow of every session whose dispute window has passed."""
    return services.escrow_release_due()
