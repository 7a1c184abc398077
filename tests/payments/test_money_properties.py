"""Money properties under random sequences of booking, paying, cancelling, completing,
no-shows, tips, sweeps, time passing and replays (a Hypothesis state machine).

After every step: the ledger balances per currency with every cached balance equal to its
entries; no wallet or escrow is below zero; each session's escrow received exactly what was
paid for it and gave out, as refunds and at most one release, no more than it received;
sessions that ended without taking place hold nothing. Replaying a call that took effect
changes nothing, and once the sweep has asked the provider about every charge, the
provider's charges and refunds are exactly the platform's.
"""

from datetime import time, timedelta

import pytest
from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from headstrt.core.errors import DomainError
from headstrt.payments import services
from headstrt.payments.ledger import ledger_reconcile
from headstrt.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentKind,
    PaymentStatus,
    Refund,
    TestProviderOperation,
)
from headstrt.payments.providers.test import (
    CARD_DECLINED,
    CARD_FAILS_AFTER_CHARGE,
    CARD_SUCCEEDS,
    CARD_UNAVAILABLE,
)
from headstrt.scheduling import notices
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Booking, BookingStatus
from headstrt.scheduling.selectors import mentor_free_slots
from tests.factories import MentorProfileFactory, UserFactory
from tests.scheduling.sessions import NOW

pytestmark = pytest.mark.django_db

CARDS = st.sampled_from(
    [CARD_SUCCEEDS] * 4 + [CARD_DECLINED, CARD_FAILS_AFTER_CHARGE, CARD_UNAVAILABLE]
)
TIPS = st.one_of(st.integers(1, 5000), st.sampled_from([0, -1, 10**6 + 1]))
# Steps of time that cross the rules' edges: the hold, the 24 hours, the dispute window.
WAITS = st.sampled_from([3, 11, 6 * 60, 23 * 60, 25 * 60, 80 * 60])
# Ended without the session taking place: nothing may stay in escrow.
NOT_HELD = (BookingStatus.CANCELLED, BookingStatus.DECLINED, BookingStatus.EXPIRED)
FINAL_CODES = {"card_declined", "already_paid", "already_tipped"}


def ledger_state() -> tuple:
    """The money: postings, balances, refunds and what the provider really moved."""
    return (
        sorted(LedgerTransaction.objects.values_list("key", flat=True)),
        sorted(LedgerAccount.objects.values_list("key", "balance_minor")),
        sorted(Refund.objects.values_list("key", "amount_minor")),
        sorted(TestProviderOperation.objects.exclude(status="declined").values_list("kind", "key")),
    )


class MoneyMachine(RuleBasedStateMachine):
    """One mentor, two mentees, a stopped clock; ``clock`` and ``committed`` are set by the
    test."""

    clock = None
    committed = None
    bookings = Bundle("bookings")

    def __init__(self):
        super().__init__()
        # Each example runs in a transaction rolled back at its end, as a test case's is
        # (the charges refuse to run inside any other transaction).
        self.example = transaction.atomic()
        self.example._from_testcase = True
        self.example.__enter__()
        self.clock.set(NOW)

    def teardown(self):
        transaction.set_rollback(True)
        self.example.__exit__(None, None, None)

    @initialize(
        target=bookings,
        confirmation=st.sampled_from(["instant", "instant", "request"]),
        price=st.sampled_from([4000, 4001, 999]),
        first=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 300), CARDS), max_size=4),
    )
    def people(self, confirmation, price, first):
        """The people, and a few first bookings (rules alone would book rarely)."""
        self.mentor = MentorProfileFactory(offers={30: price}, user__time_zone="Europe/Paris")
        weekdays = [(day, time(9), time(17)) for day in range(5)]
        scheduling.availability_set(user=self.mentor.user, rules=weekdays)
        scheduling.scheduling_policy_save(
            user=self.mentor.user,
            buffer_minutes=0,
            minimum_notice_minutes=0,
            horizon_days=30,
            max_sessions_per_day=24,
            max_sessions_per_week=100,
            confirmation=confirmation,
            response_window_hours=12,
        )
        self.mentees = [UserFactory(), UserFactory()]
        self.ids: list[str] = []
        self.calls: list[tuple] = []  # calls that took effect, to replay
        return multiple(*[self.book_and_pay(*choice) for choice in first])

    def run(self, name, call, **kwargs):
        """Run a service as if committed; remember it for replay if it took effect."""
        try:
            with self.committed():
                call(**kwargs)
        except DomainError as error:
            if error.code in FINAL_CODES:
                self.calls.append((name, call, kwargs))
            return False
        self.calls.append((name, call, kwargs))
        return True

    def booking(self, booking_id) -> Booking:
        return Booking.objects.select_related("mentor__user", "mentee").get(public_id=booking_id)

    @rule(target=bookings, which=st.integers(0, 1), slot=st.integers(0, 300), card=CARDS)
    def book(self, which, slot, card):
        booking_id = self.book_and_pay(which, slot, card)
        return multiple() if booking_id is None else booking_id

    def book_and_pay(self, which, slot, card) -> str | None:
        mentee, now = self.mentees[which], self.clock.now
        free = mentor_free_slots(
            mentor=self.mentor, minutes=30, start=now, end=now + timedelta(days=2), now=now
        )
        if not free:
            return None
        try:
            with self.committed():  # a hold may expire an unanswered request: a refund
                held = scheduling.booking_hold(
                    mentee=mentee,
                    mentor_id=self.mentor.user.public_id,
                    start=free[slot % len(free)].start,
                    minutes=30,
                )
        except DomainError:
            return None
        self.ids.append(held.public_id)
        self.pay(held.public_id, card)
        return held.public_id

    def pay(self, booking_id, card):
        booking = self.booking(booking_id)
        self.run(
            "pay",
            services.booking_pay,
            mentee=booking.mentee,
            booking_id=booking_id,
            objective="Negotiate",
            agenda="",
            source=card,
        )

    @rule(booking_id=bookings, card=CARDS)
    def pay_again(self, booking_id, card):
        self.pay(booking_id, card)

    @rule(booking_id=bookings, by_mentor=st.booleans())
    def cancel(self, booking_id, by_mentor):
        booking = self.booking(booking_id)
        user = booking.mentor.user if by_mentor else booking.mentee
        self.run("cancel", scheduling.booking_cancel, user=user, booking_id=booking_id)

    @rule(booking_id=bookings, accept=st.booleans())
    def answer(self, booking_id, accept):
        mentor = self.booking(booking_id).mentor.user
        call = scheduling.booking_accept if accept else scheduling.booking_decline
        self.run("answer", call, mentor=mentor, booking_id=booking_id)

    @rule(
        booking_id=bookings,
        by_mentor=st.booleans(),
        no_show=st.booleans(),
        tip=st.none() | TIPS,
        card=CARDS,
    )
    def close(self, booking_id, by_mentor, no_show, tip, card):
        """Mark the session done or report a no-show (at its start, if it is to come); the
        mentee may tip then."""
        booking = self.booking(booking_id)
        if self.clock.now < booking.start:
            self.clock.set(booking.start + timedelta(minutes=5))
        user = booking.mentor.user if by_mentor else booking.mentee
        call = scheduling.booking_report_no_show if no_show else scheduling.booking_complete
        self.run("close", call, user=user, booking_id=booking_id)
        if tip is not None:
            self.tip(booking_id, tip, card)

    @rule(booking_id=bookings, amount=TIPS, card=CARDS)
    def tip(self, booking_id, amount, card):
        booking = self.booking(booking_id)
        before = ledger_state()
        took = self.run(
            "tip",
            services.tip_send,
            mentee=booking.mentee,
            booking_id=booking_id,
            amount_minor=amount,
            source=card,
        )
        if not 0 < amount <= 10**6:
            assert not took and ledger_state() == before

    @rule(minutes=WAITS)
    def wait(self, minutes):
        self.clock.move(minutes=minutes)

    @rule(settle=st.booleans())
    def sweep(self, settle):
        """The worker's sweep; run again at once, it finds nothing left to do. With
        ``settle``, every pending charge and refund is old enough for it first, and then the
        provider's records and the platform's agree exactly: nothing charged unrecorded,
        nothing charged or refunded twice."""
        if settle:
            self.clock.move(minutes=6)
        with self.committed():
            scheduling.bookings_expire_lapsed()
            services.payments_recheck_pending()
            services.refunds_send_pending()
            services.escrow_release_due()
        before = ledger_state()
        with self.committed():
            assert services.escrow_release_due() == 0
            assert services.refunds_send_pending() == 0
        assert ledger_state() == before
        if not settle:
            return
        charged = TestProviderOperation.objects.filter(kind="charge", status="succeeded")
        assert sorted(charged.values_list("key", flat=True)) == sorted(
            Payment.objects.filter(status=PaymentStatus.SUCCEEDED).values_list("key", flat=True)
        )
        refunded = TestProviderOperation.objects.filter(kind="refund")
        assert sorted(refunded.values_list("key", "amount_minor")) == sorted(
            Refund.objects.values_list("key", "amount_minor")
        )
        assert not Payment.objects.filter(status=PaymentStatus.PENDING).exists()

    @rule(data=st.data())
    def replay(self, data):
        # A call about a session whose charge is still pending asks about that charge (and so
        # settles it): that is a retry's job, not a replay.
        if not self.calls or Payment.objects.filter(status=PaymentStatus.PENDING).exists():
            return
        name, call, kwargs = data.draw(st.sampled_from(self.calls), label="replayed")
        before = ledger_state()
        try:
            with self.committed():
                call(**kwargs)
        except DomainError:
            pass
        assert ledger_state() == before, name

    @invariant()
    def the_ledger_adds_up(self):
        report = ledger_reconcile()
        assert report.balanced, report
        assert not LedgerAccount.objects.filter(
            kind__in=[AccountKind.MENTEE_WALLET, AccountKind.ESCROW], balance_minor__lt=0
        ).exists()

    @invariant()
    def each_escrow_gives_out_at_most_what_it_got(self):
        if not getattr(self, "ids", None):
            return
        flows = {
            row["account__booking_ref"]: row
            for row in LedgerEntry.objects.filter(
                account__kind=AccountKind.ESCROW, account__booking_ref__in=self.ids
            )
            .values("account__booking_ref")
            .annotate(
                into=Sum("amount_minor", filter=Q(amount_minor__gt=0)),
                out=Sum("amount_minor", filter=Q(amount_minor__lt=0)),
                released=Sum("amount_minor", filter=Q(transaction__kind="escrow_release")),
            )
        }
        payments = Payment.objects.filter(
            booking__public_id__in=self.ids,
            kind=PaymentKind.SESSION,
            status=PaymentStatus.SUCCEEDED,
        )
        for booking in Booking.objects.filter(public_id__in=self.ids):
            mine = [payment for payment in payments if payment.booking_id == booking.pk]
            paid = sum(payment.amount_minor for payment in mine)
            refunded = sum(payment.refunded_minor for payment in mine)
            flow = flows.get(booking.public_id, {})
            into, out = flow.get("into") or 0, -(flow.get("out") or 0)
            released = -(flow.get("released") or 0)
            releases = LedgerTransaction.objects.filter(
                key=f"booking:{booking.public_id}:release"
            ).count()
            assert into == paid and out == refunded + released <= paid
            assert releases <= 1 and (releases == 1) == (released > 0)
            assert (
                sum(Refund.objects.filter(payment__in=mine).values_list("amount_minor", flat=True))
                == refunded
            )
            if booking.status in NOT_HELD:
                assert into == out, booking.status
            if booking.status in (BookingStatus.HELD, BookingStatus.REQUESTED):
                assert released == 0


def test_money_properties(frozen, django_capture_on_commit_callbacks, monkeypatch):
    # Notices (email, calendars) are not what this test is about, and they are slow.
    monkeypatch.setattr(notices, "booking_changed", lambda *args, **kwargs: None)

    class Machine(MoneyMachine):
        clock = frozen
        committed = staticmethod(lambda: django_capture_on_commit_callbacks(execute=True))

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
