"""Statements after real money flows: a mentor's earnings, pending and paid out, a mentee's
payments and refunds; only ever the person's own lines, in a fixed number of queries; CSV."""

import csv
import io
from datetime import time, timedelta
from functools import partial

import pytest

from headstrt.core.errors import NotFound
from headstrt.core.money import Money
from headstrt.payments import payouts, statements
from headstrt.payments import services as payments
from headstrt.payments.models import Payment
from headstrt.payments.providers.base import ChargeResult
from headstrt.payments.providers.test import (
    CARD_DECLINED,
    CARD_FAILS_AFTER_CHARGE,
    CARD_SUCCEEDS,
    TestProvider,
)
from headstrt.scheduling import services
from tests.clock import frozen_at
from tests.factories import UserFactory
from tests.scheduling.sessions import NOW, TUESDAY_9, hold, paris_mentor, refused, tokyo_mentee

pytestmark = pytest.mark.django_db

frozen = frozen_at(NOW)

NEXT_TUESDAY_9 = TUESDAY_9 + timedelta(days=7)


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def pay(mentor, mentee, start=TUESDAY_9, minutes=30, card=CARD_SUCCEEDS):
    """``mentee`` holds a slot and pays for it with ``card``; the booking."""
    held = hold(mentor, mentee, start=start, minutes=minutes)
    return payments.booking_pay(
        mentee=mentee, booking_id=held.public_id, objective="Ask for more", agenda="", source=card
    )


def release_after_window(frozen, booking) -> None:
    """Mark the session done once it ended, then let the dispute window pass."""
    frozen.set(booking.end + timedelta(minutes=1))
    services.booking_complete(user=booking.mentee, booking_id=booking.public_id)
    frozen.move(hours=73)
    payments.escrow_release_due()


@pytest.fixture
def history(frozen):
    """Mia's sessions with Nia: one paid after a declined card, completed, released and
    tipped; one cancelled late (half refunded, half released); a payout of it all; then a
    session Ola paid for next week, still in escrow."""
    mentor, mentee = paris_mentor(), tokyo_mentee()
    held = hold(mentor, mentee)
    refused(
        "card_declined",
        payments.booking_pay,
        mentee=mentee,
        booking_id=held.public_id,
        objective="Ask for more",
        agenda="",
        source=CARD_DECLINED,
    )
    first = payments.booking_pay(
        mentee=mentee,
        booking_id=held.public_id,
        objective="Ask for more",
        agenda="",
        source=CARD_SUCCEEDS,
    )
    second = pay(mentor, mentee, start=TUESDAY_9 + timedelta(hours=1), minutes=60)
    frozen.move(hours=2)  # within 24 hours of the second session: a late cancellation
    services.booking_cancel(user=mentee, booking_id=second.public_id, reason="")
    release_after_window(frozen, first)
    payments.tip_send(
        mentee=mentee, booking_id=first.public_id, amount_minor=500, source=CARD_SUCCEEDS
    )
    before_payout = statements.mentor_statement(user=mentor.user)
    payouts.payout_destination_set(user=mentor.user, provider="test", account_ref="acct_nia")
    payouts.payouts_run()
    later = pay(mentor, UserFactory(display_name="Ola Other"), start=NEXT_TUESDAY_9)
    return {
        "mentor": mentor,
        "mentee": mentee,
        "first": first,
        "second": second,
        "later": later,
        "before_payout": before_payout,
    }


def figures(section) -> tuple:
    return tuple(getattr(section, name).minor for name in ("available", "pending", "paid_out"))


def test_the_mentor_sees_earnings_pending_and_paid_out(history):
    [before] = history["before_payout"].currencies
    # 3600 released from the session (4000 less the 10% fee), 3150 from half of the late
    # cancellation (3500 less its fee), a whole 500 tip; nothing in escrow.
    assert figures(before) == (3600 + 3150 + 500, 0, 0)

    statement = statements.mentor_statement(user=history["mentor"].user)

    [section] = statement.currencies
    assert section.currency == "EUR"
    assert figures(section) == (0, 4000, 7250)
    rows = [
        (line.kind, line.booking_id, line.gross, line.fee, line.net, line.status)
        for line in section.lines
    ]
    first, second, later = history["first"], history["second"], history["later"]
    assert sorted(rows) == sorted(
        [
            ("session", later.public_id, eur(4000), eur(400), eur(3600), "in_escrow"),
            ("payout", "", eur(-7250), eur(0), eur(-7250), "paid_out"),
            ("tip", first.public_id, eur(500), eur(0), eur(500), "received"),
            ("session", first.public_id, eur(4000), eur(400), eur(3600), "released"),
            ("session", second.public_id, eur(3500), eur(350), eur(3150), "released"),
        ]
    )
    assert [line.date for line in section.lines] == sorted(
        (line.date for line in section.lines), reverse=True
    )
    by_booking = {line.booking_id: line for line in section.lines if line.kind == "session"}
    assert by_booking[later.public_id].other == "Ola Other"
    assert by_booking[first.public_id].other == "Mia Mentee"
    assert by_booking[first.public_id].session_start == first.start


def test_the_mentee_sees_payments_refunds_and_declined_attempts(history):
    statement = statements.mentee_statement(user=history["mentee"])

    [section] = statement.currencies
    assert (section.paid, section.refunded, section.net) == (eur(11500), eur(3500), eur(8000))
    first, second = history["first"], history["second"]
    rows = sorted(
        (line.kind, line.booking_id, line.gross.minor, line.fee.minor, line.status)
        for line in section.lines
    )
    assert rows == sorted(
        [
            ("payment", first.public_id, 4000, 400, "declined"),
            ("payment", first.public_id, 4000, 400, "paid"),
            ("tip", first.public_id, 500, 0, "paid"),
            ("payment", second.public_id, 7000, 700, "partly_refunded"),
            # The refund task runs after commit, which a test's transaction never reaches.
            ("refund", second.public_id, -3500, 0, "refund_pending"),
        ]
    )
    assert {line.other for line in section.lines} == {"Nia Negotiator"}


def test_nobody_sees_anyone_elses_money(history):
    mentor, mentee = history["mentor"], history["mentee"]
    ola = history["later"].mentee
    other_mentor = paris_mentor(name="Otto Other", email="otto@example.org")

    mine = {history[name].public_id for name in ("first", "second")}
    assert not {line.booking_id for line in statements.mentee_statement(user=ola).lines} & mine
    assert {line.booking_id for line in statements.mentee_statement(user=ola).lines} == {
        history["later"].public_id
    }
    for stranger in (other_mentor.user, ola, mentee):
        assert statements.mentor_statement(user=stranger).currencies == []
    assert statements.mentee_statement(user=other_mentor.user).currencies == []
    assert statements.mentee_statement(user=mentor.user).currencies == []


def test_an_empty_history_has_no_sections(frozen):
    person = UserFactory()
    assert statements.mentor_statement(user=person).lines == []
    assert statements.mentee_statement(user=person).currencies == []


@pytest.mark.parametrize("count", [1, 3])
def test_statements_cost_a_fixed_number_of_queries(frozen, django_assert_num_queries, count):
    mentor, mentee = paris_mentor(), tokyo_mentee()
    services.availability_set(
        user=mentor.user, rules=[(day, time(9), time(12)) for day in range(7)]
    )
    booked = [pay(mentor, mentee, start=TUESDAY_9 + timedelta(days=day)) for day in range(count)]
    release_after_window(frozen, booked[0])
    payments.tip_send(
        mentee=mentee, booking_id=booked[0].public_id, amount_minor=300, source=CARD_SUCCEEDS
    )

    # accounts, earnings entries, fee entries, escrows, bookings; and the payments of the
    # sessions still in escrow, when there are some
    with django_assert_num_queries(6 if count > 1 else 5):
        earned = statements.mentor_statement(user=mentor.user)
    # charges, refunds
    with django_assert_num_queries(2):
        paid = statements.mentee_statement(user=mentee)

    assert len(earned.lines) == count + 1 and len(paid.lines) == count + 1


def test_the_session_money_follows_the_payment(history):
    first, second, later = history["first"], history["second"], history["later"]
    mentee = history["mentee"]

    money = statements.session_money_for_participant(booking=first, user=mentee)
    assert (money.status, money.paid, money.released, money.tip) == (
        "released",
        eur(4000),
        eur(4000),
        eur(500),
    )
    money = statements.session_money_for_participant(booking=second, user=history["mentor"].user)
    assert (money.status, money.refunded, money.released, money.fee) == (
        "partly_refunded",
        eur(3500),
        eur(3500),
        eur(700),
    )
    money = statements.session_money_for_participant(booking=later, user=later.mentee)
    assert (money.status, money.in_escrow, money.mentor_receives) == (
        "in_escrow",
        eur(4000),
        eur(3600),
    )
    with pytest.raises(NotFound):
        statements.session_money_for_participant(booking=later, user=mentee)


def test_an_unpaid_hold_is_quoted_with_its_fee(frozen):
    booking = hold(paris_mentor(), tokyo_mentee(), minutes=60)

    money = statements.session_money_for_participant(booking=booking, user=booking.mentee)

    assert (money.status, money.price, money.fee, money.mentor_receives) == (
        "unpaid",
        eur(7000),
        eur(700),
        eur(6300),
    )
    assert "24 hours" in money.refund_policy


def test_the_session_money_is_the_payment_kept_not_one_given_back(frozen):
    booking = hold(paris_mentor(), tokyo_mentee())
    lost = partial(
        payments.booking_pay,
        mentee=booking.mentee,
        booking_id=booking.public_id,
        objective="Ask for 15% more",
        agenda="",
        source=CARD_FAILS_AFTER_CHARGE,
    )
    refused("payment_pending", lost)
    first = Payment.objects.get()
    payments.payment_settle(key=first.key, result=ChargeResult(status="failed"))  # gave up
    refused("payment_pending", lost)  # a second attempt, its answer lost too
    second = Payment.objects.exclude(pk=first.pk).get()
    for late in (first, second):  # both were charged: the first confirms, the second goes back
        payments.payment_settle(key=late.key, result=TestProvider().retrieve_charge(late.key))
    second.refresh_from_db()
    assert second.refunded_minor == second.amount_minor

    money = statements.session_money_for_participant(booking=booking, user=booking.mentee)

    assert (money.status, money.paid, money.refunded, money.in_escrow) == (
        "in_escrow",
        eur(4000),
        eur(0),
        eur(4000),
    )


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_has_a_header_and_amounts_in_major_units(history):
    rows = read_csv(
        statements.statement_csv(statements.mentee_statement(user=history["mentee"]).lines)
    )

    assert rows[0] == statements.CSV_HEADER
    by_kind = {(row[1], row[5]): row for row in rows[1:]}
    refund = by_kind[("refund", "-35.00")]
    assert refund[2] == history["second"].public_id and refund[8] == "EUR"
    assert refund[4] == "Nia Negotiator" and refund[6] == "0.00" and refund[7] == "-35.00"
    paid = by_kind[("payment", "70.00")]
    assert paid[6] == "7.00" and paid[9] == "partly_refunded"
    assert len(rows) == 1 + 5


def test_csv_cells_never_become_spreadsheet_formulas(frozen):
    mentor = paris_mentor()
    mentee = UserFactory(display_name="=HYPERLINK(1)")
    pay(mentor, mentee)

    rows = read_csv(statements.statement_csv(statements.mentor_statement(user=mentor.user).lines))

    assert rows[1][4] == "'=HYPERLINK(1)"


def test_a_currency_without_decimals_is_written_whole(frozen):
    mentor = paris_mentor(currency="JPY")
    mentor.offers.update(price_minor=3000)
    pay(mentor, tokyo_mentee())

    [row] = read_csv(statements.statement_csv(statements.mentor_statement(user=mentor.user).lines))[
        1:
    ]

    assert (row[5], row[6], row[7], row[8]) == ("3000", "300", "2700", "JPY")
