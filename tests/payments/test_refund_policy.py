"""The refund policy, case by case: who ended a paid session, how and when, and where its
40.00 went (back to the mentee, or to the mentor less the 10 % fee on their part)."""

from datetime import timedelta

import pytest

from headstrt.accounts.services import account_delete
from headstrt.payments import services
from headstrt.payments.models import AccountKind, LedgerTransaction, Payment, Refund
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Booking, BookingStatus
from tests.payments.flows import (
    balance,
    earnings,
    escrow,
    fees,
    paid_booking,
    pay,
    priced_mentor,
    provider_refunds,
)
from tests.scheduling.sessions import NOW, TUESDAY_9, hold

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "reconciled")]

LATE = NOW + timedelta(minutes=1)  # 23 h 59 min before the session
AFTER_WINDOW = TUESDAY_9 + timedelta(minutes=30, hours=72)


def cancel_by(who):
    def cancel(frozen, booking, mentor, mentee):
        person = mentor.user if who == "mentor" else mentee
        scheduling.booking_cancel(user=person, booking_id=booking.public_id)

    return cancel


def decline(frozen, booking, mentor, mentee):
    scheduling.booking_decline(mentor=mentor.user, booking_id=booking.public_id)


def expire(frozen, booking, mentor, mentee):
    frozen.set(booking.respond_by)
    scheduling.bookings_expire_lapsed()


def no_show_of(absent):
    def report(frozen, booking, mentor, mentee):
        frozen.set(TUESDAY_9 + timedelta(minutes=5))
        reporter = mentee if absent == "mentor" else mentor.user
        scheduling.booking_report_no_show(user=reporter, booking_id=booking.public_id)
        assert escrow(booking) == 4000  # the absent side may contest it first
        frozen.set(AFTER_WINDOW)
        services.escrow_release_due()

    return report


def leave(who):
    def delete(frozen, booking, mentor, mentee):
        account_delete(user=mentor.user if who == "mentor" else mentee)

    return delete


# (case, confirmation, clock at the change, change, refund, mentor's earnings, fee)
POLICY = [
    ("mentor cancels early", "instant", NOW, cancel_by("mentor"), 4000, 0, 0),
    ("mentor cancels late", "instant", LATE, cancel_by("mentor"), 4000, 0, 0),
    ("mentee cancels 24 h before", "instant", NOW, cancel_by("mentee"), 4000, 0, 0),
    ("mentee cancels late", "instant", LATE, cancel_by("mentee"), 2000, 1800, 200),
    ("mentee withdraws a request late", "request", LATE, cancel_by("mentee"), 4000, 0, 0),
    ("mentor cancels a request", "request", NOW, cancel_by("mentor"), 4000, 0, 0),
    ("mentor declines", "request", LATE, decline, 4000, 0, 0),
    ("request expires", "request", NOW, expire, 4000, 0, 0),
    ("mentor absent", "instant", NOW, no_show_of("mentor"), 4000, 0, 0),
    ("mentee absent", "instant", NOW, no_show_of("mentee"), 0, 3600, 400),
    ("mentor leaves", "instant", LATE, leave("mentor"), 4000, 0, 0),
    ("mentee leaves late", "instant", LATE, leave("mentee"), 2000, 1800, 200),
    ("mentee leaves early", "instant", NOW, leave("mentee"), 4000, 0, 0),
]


@pytest.mark.parametrize(
    ("confirmation", "moment", "change", "refund", "mentor_gets", "fee"),
    [case[1:] for case in POLICY],
    ids=[case[0] for case in POLICY],
)
def test_the_refund_policy(
    frozen, mentor, mentee, committed, confirmation, moment, change, refund, mentor_gets, fee
):
    scheduling.scheduling_policy_save(user=mentor.user, confirmation=confirmation)
    booking = paid_booking(mentor, mentee)
    frozen.set(moment)

    with committed():
        change(frozen, booking, mentor, mentee)

    assert escrow(booking) == 0
    # Summed over every mentor: the account's owner may have left.
    assert balance(AccountKind.MENTOR_EARNINGS) == mentor_gets and fees() == fee
    assert provider_refunds() == ([refund] if refund else [])
    assert sum(Refund.objects.values_list("amount_minor", flat=True)) == refund
    assert Payment.objects.get().refunded_minor == refund
    kinds = sorted(LedgerTransaction.objects.values_list("kind", flat=True))
    expected = (
        ["booking_payment"] + ["escrow_release"] * bool(mentor_gets) + ["refund"] * bool(refund)
    )
    assert kinds == sorted(expected)


def test_an_odd_price_splits_with_the_extra_minor_unit_to_the_mentee(frozen, mentee):
    odd = priced_mentor(4001)  # fee 400 (400.1 rounded)
    booking = paid_booking(odd, mentee)
    frozen.set(LATE)

    scheduling.booking_cancel(user=mentee, booking_id=booking.public_id)

    assert Refund.objects.get().amount_minor == 2001
    # The fee on the half released: 400 × 2000 / 4001 = 199.95, rounded to 200.
    assert earnings(odd.user) == 1800 and fees() == 200 and escrow(booking) == 0


def test_an_accepted_request_cancelled_late_by_the_mentee_is_split(frozen, mentor, mentee):
    scheduling.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = paid_booking(mentor, mentee)
    scheduling.booking_accept(mentor=mentor.user, booking_id=booking.public_id)
    frozen.set(LATE)

    scheduling.booking_cancel(user=mentee, booking_id=booking.public_id)

    assert Refund.objects.get().amount_minor == 2000 and earnings(mentor.user) == 1800


def test_lateness_counts_from_the_rescheduled_start(frozen, mentor, mentee):
    booking = paid_booking(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
    scheduling.booking_reschedule(user=mentee, booking_id=booking.public_id, start=TUESDAY_9)
    frozen.set(LATE)

    scheduling.booking_cancel(user=mentee, booking_id=booking.public_id)

    assert Refund.objects.get().amount_minor == 2000


def test_a_request_that_lapses_while_someone_books_the_mentor_is_refunded(frozen, mentor, mentee):
    scheduling.scheduling_policy_save(
        user=mentor.user, confirmation="request", response_window_hours=1
    )
    booking = paid_booking(mentor, mentee)
    frozen.move(hours=2)
    other = hold(mentor, mentee, start=TUESDAY_9 + timedelta(hours=1))  # expires the request

    assert escrow(booking) == 0 and Refund.objects.get().amount_minor == 4000
    pay(mentee, other)


def test_releasing_an_unpaid_hold_moves_no_money(mentor, mentee):
    held = hold(mentor, mentee)

    scheduling.booking_cancel(user=mentee, booking_id=held.public_id)

    assert not LedgerTransaction.objects.exists() and not Refund.objects.exists()


def test_a_paid_session_booked_before_payments_existed_moves_no_money(mentor, mentee):
    """Sessions checked out without a payment (demo data, earlier versions) have no escrow."""
    booking = hold(mentor, mentee)
    # Confirmed as checkout did before a paid session had to be paid for.
    Booking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.CONFIRMED, held_until=None, confirmed_at=NOW, objective="Old"
    )

    scheduling.booking_cancel(user=mentor.user, booking_id=booking.public_id)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert not LedgerTransaction.objects.exists() and not Refund.objects.exists()
