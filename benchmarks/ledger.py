"""Money throughput: booking payment -> session done -> escrow release, cycles per second.

Usage: python benchmarks/ledger.py [--cycles 400] [--mentors 10] [--mentees 20]

On a fresh database (SQLite in a temporary folder, or a new PostgreSQL database when
DATABASE_URL is set, dropped afterwards) each cycle goes through the real services, as the
web app and the API do: a mentee holds a mentor's 30-minute slot, pays for it with the
built-in test provider's card (the price goes into escrow), the session is marked done, and
once the dispute window has passed the escrow is released to the mentor's earnings minus the
platform fee. Time is simulated by moving the platform clock (``headstrt.core.clock``); each
cycle's session lies four days after the previous one. Every 50 cycles, the mentors are paid
out. At the end the whole ledger is checked: entries sum to zero per currency, every cached
balance equals its entries, no escrow paid out more than it took in, no escrow released
twice, and every payout matches its posting.
"""

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fresh_database import fresh_database  # noqa: E402

START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
GOOD_CARD = "4242424242424242"


class SimulatedClock:
    """The platform clock, moved by the benchmark instead of waiting for real time."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seed(mentors: int, mentees: int):
    """Mentors free around the clock in UTC with a 30-minute offer at 40 EUR; mentees."""
    from datetime import time as wall_time

    from headstrt.accounts.models import MentorProfile, SessionOffer, User
    from headstrt.payments.payouts import payout_destination_set
    from headstrt.scheduling import services as scheduling

    people = []
    for index in range(mentors):
        user = User.objects.create_user(f"mentor{index}@bench.test", None, time_zone="UTC")
        profile = MentorProfile.objects.create(
            user=user, headline="Benchmark mentor", bio="Benchmarks.", currency="EUR"
        )
        SessionOffer.objects.create(mentor=profile, minutes=30, price_minor=4000)
        scheduling.availability_set(
            user=user, rules=[(day, wall_time(0), wall_time(0)) for day in range(7)]
        )
        scheduling.scheduling_policy_save(
            user=user, buffer_minutes=0, minimum_notice_minutes=0, horizon_days=365
        )
        payout_destination_set(user=user, provider="test", account_ref=f"acct_{index}")
        people.append(user)
    buyers = [
        User.objects.create_user(f"mentee{index}@bench.test", None, time_zone="UTC")
        for index in range(mentees)
    ]
    return people, buyers


def cycle(index: int, *, mentor, mentee, clock: SimulatedClock) -> None:
    """One session's money from payment to release, through the services."""
    from headstrt.payments.services import booking_pay, escrow_release_due
    from headstrt.scheduling import services as scheduling

    start = START + timedelta(days=4 * index)
    clock.now = start - timedelta(hours=2)
    held = scheduling.booking_hold(
        mentee=mentee, mentor_id=mentor.public_id, start=start, minutes=30
    )
    booking_pay(
        mentee=mentee,
        booking_id=held.public_id,
        objective="Benchmark session",
        agenda="",
        source=GOOD_CARD,
    )
    clock.now = start + timedelta(minutes=25)
    scheduling.booking_complete(user=mentee, booking_id=held.public_id)
    clock.now = start + timedelta(hours=75)
    released = escrow_release_due()
    if released != 1:
        raise SystemExit(f"cycle {index}: {released} escrows released instead of 1")


def invariants() -> dict[str, int]:
    """Check the whole ledger; each figure must be 0."""
    from django.db.models import Count, Sum

    from headstrt.payments.ledger import ledger_reconcile
    from headstrt.payments.models import (
        AccountKind,
        LedgerEntry,
        LedgerTransaction,
        Payout,
        PayoutStatus,
    )

    report = ledger_reconcile()
    overdrawn = (
        LedgerEntry.objects.filter(account__kind=AccountKind.ESCROW)
        .values("account")
        .annotate(total=Sum("amount_minor"))
        .filter(total__lt=0)
        .count()
    )
    released_twice = (
        LedgerTransaction.objects.filter(kind="escrow_release")
        .values("booking_ref")
        .annotate(times=Count("pk"))
        .filter(times__gt=1)
        .count()
    )
    posted_payouts = (
        LedgerEntry.objects.filter(
            account__kind=AccountKind.PAYOUTS, transaction__kind="payout"
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    paid_payouts = (
        Payout.objects.filter(status=PayoutStatus.PAID).aggregate(total=Sum("amount_minor"))[
            "total"
        ]
        or 0
    )
    return {
        "imbalance": sum(abs(total) for total in report.totals.values())
        + len(report.mismatched_accounts)
        + len(report.unbalanced_transactions),
        "double_payouts": overdrawn + released_twice + abs(posted_payouts - paid_payouts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=400)
    parser.add_argument("--mentors", type=int, default=10)
    parser.add_argument("--mentees", type=int, default=20)
    args = parser.parse_args()

    with fresh_database("headstrt-ledger-") as vendor:
        from django.conf import settings

        from headstrt.core import clock as platform_clock
        from headstrt.payments.models import LedgerTransaction
        from headstrt.payments.payouts import payouts_run

        # People are notified as usual, but no email leaves: this measures money, not SMTP.
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        clock = SimulatedClock(START - timedelta(days=1))
        platform_clock.now = clock
        mentors, mentees = seed(args.mentors, args.mentees)
        print(
            f"{vendor}: {args.mentors} mentors, {args.mentees} mentees, "
            f"{args.cycles} payment -> release cycles",
            flush=True,
        )
        payouts = 0
        tick = time.perf_counter()
        for index in range(args.cycles):
            cycle(
                index,
                mentor=mentors[index % len(mentors)],
                mentee=mentees[index % len(mentees)],
                clock=clock,
            )
            if (index + 1) % 50 == 0:
                payouts += payouts_run()
        seconds = time.perf_counter() - tick
        postings = LedgerTransaction.objects.count()
        checks = invariants()
    cycles_per_s = args.cycles / seconds
    print(
        f"{args.cycles} cycles in {seconds:.2f} s: {cycles_per_s:.1f} cycles/s, "
        f"{postings} ledger transactions ({postings / seconds:.1f}/s), {payouts} payouts",
        flush=True,
    )
    print(
        f"RESULT tx_per_s={postings / seconds:.1f} cycles_per_s={cycles_per_s:.1f} "
        f"imbalance={checks['imbalance']} double_payouts={checks['double_payouts']}"
    )


if __name__ == "__main__":
    main()
