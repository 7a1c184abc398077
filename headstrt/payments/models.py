"""Ledger and payment data: accounts, balanced transactions written once, provider records.

Amounts are integers in minor units. An entry's amount adds to its account's balance; the
entries of one transaction sum to zero per currency (double entry), so the balances of all
accounts of a currency always sum to zero too.
"""

from django.conf import settings
from django.db import models

from headstrt.core.ids import new_public_id


class WrittenOnce(Exception):
    """Raised on an attempt to delete a ledger row."""


class AccountKind(models.TextChoices):
    """What a ledger account holds.

    Natural signs: the provider clearing account goes negative as card money comes in (the
    provider holds it for the platform); the others stay at or above zero.
    """

    MENTEE_WALLET = "mentee_wallet", "Mentee wallet"
    ESCROW = "escrow", "Escrow of a booking"
    MENTOR_EARNINGS = "mentor_earnings", "Mentor earnings"
    PLATFORM_FEES = "platform_fees", "Platform fees"
    PROVIDER_CLEARING = "provider_clearing", "Payment provider clearing"
    PAYOUTS = "payouts", "Paid out to a mentor"


class LedgerAccount(models.Model):
    """One account of one currency. ``balance_minor`` caches the sum of its entries and is
    only ever changed in the transaction that writes those entries."""

    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    booking_ref = models.CharField(max_length=16, blank=True, db_index=True)
    provider = models.CharField(max_length=20, blank=True)
    # A natural key, so the account of (kind, owner, booking, provider, currency) is unique
    # even when the owner is gone.
    key = models.CharField(max_length=120, unique=True)
    balance_minor = models.BigIntegerField(default=0)
    frozen = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="mentee_wallet", balance_minor__lt=0),
                name="ledger_wallet_never_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="escrow", balance_minor__lt=0),
                name="ledger_escrow_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.balance_minor} {self.currency}"


class LedgerTransaction(models.Model):
    """A balanced set of entries, written once. ``key`` makes posting idempotent: posting
    with a key that exists returns the existing transaction."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30)
    booking_ref = models.CharField(max_length=16, blank=True, db_index=True)
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

    def delete(self, *args, **kwargs):
        raise WrittenOnce("Ledger transactions are never deleted; post a correction instead.")


class LedgerEntry(models.Model):
    """One side of a transaction: ``amount_minor`` is added to ``account``'s balance."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [models.Index(fields=["account", "transaction"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount_minor=0), name="ledger_entry_not_zero"
            )
        ]

    def delete(self, *args, **kwargs):
        raise WrittenOnce("Ledger entries are never deleted; post a correction instead.")


class PaymentKind(models.TextChoices):
    """What a mentee pays for."""

    SESSION = "session", "Session"
    TIP = "tip", "Tip"
    PANEL = "panel", "Panel session"
    ANSWERS = "answers", "Written answers"


class PaymentStatus(models.TextChoices):
    """Where a charge is. ``pending`` covers the time the provider has not answered yet
    (including a timeout): a webhook or a retry with the same key settles it."""

    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Paid"
    DECLINED = "declined", "Declined"
    FAILED = "failed", "Failed"


class Payment(models.Model):
    """One charge of a mentee's card by a provider. ``key`` is the idempotency key sent to
    the provider too, so a retried charge is never taken twice."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=PaymentKind.choices)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="payments"
    )
    booking = models.ForeignKey(
        "scheduling.Booking", on_delete=models.SET_NULL, null=True, related_name="payments"
    )
    # A panel is paid with one charge; each mentor's share goes to their booking's escrow.
    panel = models.ForeignKey(
        "scheduling.Panel", on_delete=models.SET_NULL, null=True, related_name="payments"
    )
    amount_minor = models.PositiveIntegerField()
    fee_minor = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=20)
    provider_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    failure_message = models.CharField(max_length=300, blank=True)
    refunded_minor = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["provider", "provider_ref"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded_minor__lte=models.F("amount_minor")),
                name="payment_refund_at_most_paid",
            )
        ]


class Refund(models.Model):
    """Money given back on a payment, through its provider."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    key = models.CharField(max_length=200, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.PositiveIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    created_at = models.DateTimeField()


class PayoutStatus(models.TextChoices):
    """Where a transfer to a mentor is."""

    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"


class Payout(models.Model):
    """A transfer of a mentor's earnings to their own account with the provider."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    key = models.CharField(max_length=200, unique=True)
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="payouts"
    )
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=20)
    # Where this payout goes, fixed when it is opened: a retry after the mentor changed
    # their destination still asks for the same transfer.
    destination = models.CharField(max_length=100, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    created_at = models.DateTimeField()


class PayoutDestination(models.Model):
    """Where a mentor is paid: their account with a provider (e.g. a Stripe connected
    account id)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_destination"
    )
    provider = models.CharField(max_length=20)
    account_ref = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)


class WebhookEvent(models.Model):
    """A provider event already handled; its unique id makes a redelivery a no-op. Written
    in the same transaction as the ledger posting the event causes."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=60)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]


class TestProviderOperation(models.Model):
    """The built-in test provider's side of the world: each charge, refund and transfer it
    made, as an outside provider would keep them. Kept in the database so every process
    (the web server and the worker) sees the same provider."""

    __test__ = False  # not a test case, despite its name

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        REFUND = "refund", "Refund"
        TRANSFER = "transfer", "Transfer"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The platform's idempotency key: the same key again answers with this operation.
    key = models.CharField(max_length=200)
    ref = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=10)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    # What the call was made with, to tell a retry from a different call reusing its key:
    # a digest of the card number (never the number itself) or the destination account.
    fingerprint = models.CharField(max_length=100)
    card_last4 = models.CharField(max_length=4, blank=True)
    charge_ref = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="test_provider_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref} {self.status}"
