"""Paid seats in group sessions through the usual session payment: each seat's price into its
own escrow, confirmed at once; a declined card frees the seat; a lapsed hold is paid only
while a seat is left; the mentor cancelling refunds every seat in full. The ledger always
adds up."""

from datetime import timedelta

import pytest

from headstrt.payments.models import Payment, PaymentStatus
from headstrt.payments.providers.test import CARD_DECLINED, CARD_SUCCEEDS
from headstrt.payments.services import booking_pay
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from headstrt.scheduling.panel_reads import group_seats_taken
from tests.factories import UserFactory
from tests.payments.conftest import reconciled  # noqa: F401
from tests.payments.flows import escrow, money_state, provider_refunds
from tests.scheduling.gatherings import group_offer
from tests.scheduling.sessions import NOW, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "reconciled")]

PRICE = 1500


def pay_seat(group, mentee, card=CARD_SUCCEEDS):
    seat = services.group_seat_hold(mentee=mentee, group_id=group.public_id)
    return booking_pay(
        mentee=mentee, booking_id=seat.public_id, objective="Learn", agenda="", source=card
    )


def test_a_paid_seat_is_confirmed_at_once_with_its_price_in_escrow(mentor, mentee):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    group = group_offer(mentor, price_minor=PRICE)

    seat = pay_seat(group, mentee)

    assert (seat.status, seat.confirmed_at, seat.price_minor) == (
        BookingStatus.CONFIRMED,
        NOW,
        PRICE,
    )
    assert escrow(seat) == PRICE
    assert Payment.objects.get(booking=seat).status == PaymentStatus.SUCCEEDED


def test_a_declined_card_frees_the_seat_for_others(mentor, mentee):
    group = group_offer(mentor, price_minor=PRICE, capacity=2)
    pay_seat(group, UserFactory())

    refused("card_declined", pay_seat, group=group, mentee=mentee, card=CARD_DECLINED)

    assert group_seats_taken(group) == 1
    assert pay_seat(group, UserFactory()).status == BookingStatus.CONFIRMED


def test_a_lapsed_seat_hold_is_paid_only_while_a_seat_is_left(frozen, mentor, mentee):
    group = group_offer(mentor, price_minor=PRICE, capacity=2)
    late = services.group_seat_hold(mentee=mentee, group_id=group.public_id)
    frozen.move(minutes=20)
    pay_seat(group, UserFactory())
    pay_seat(group, UserFactory())
    before = money_state()

    refused(
        "hold_expired",
        booking_pay,
        mentee=mentee,
        booking_id=late.public_id,
        objective="Learn",
        agenda="",
        source=CARD_SUCCEEDS,
    )

    assert money_state() == before  # nothing charged
    assert Booking.objects.get(pk=late.pk).status == BookingStatus.EXPIRED


def test_the_mentor_cancelling_refunds_every_seat_in_full(frozen, mentor, committed):
    group = group_offer(mentor, price_minor=PRICE, capacity=3)
    seats = [pay_seat(group, UserFactory()) for _ in range(2)]
    frozen.set(group.start - timedelta(hours=2))

    with committed():
        services.group_session_cancel(mentor=mentor.user, group_id=group.public_id)

    assert [escrow(seat) for seat in seats] == [0, 0]
    assert provider_refunds() == [PRICE, PRICE]
    assert [Payment.objects.get(booking=seat).refunded_minor for seat in seats] == [PRICE, PRICE]


def test_a_mentee_giving_up_a_seat_late_gets_half_back(frozen, mentor, mentee):
    group = group_offer(mentor, price_minor=PRICE)
    seat = pay_seat(group, mentee)
    frozen.set(group.start - timedelta(hours=2))

    services.booking_cancel(user=mentee, booking_id=seat.public_id)

    assert Payment.objects.get(booking=seat).refunded_minor == PRICE // 2
    assert escrow(seat) == 0


def test_group_seat_create_pays_in_one_call(mentor, mentee):
    group = group_offer(mentor, price_minor=PRICE)

    seat = services.group_seat_create(
        mentee=mentee, group_id=group.public_id, objective="Learn", source=CARD_SUCCEEDS
    )

    assert seat.status == BookingStatus.CONFIRMED and escrow(seat) == PRICE
    before = money_state()
    refused(
        "card_declined",
        services.group_seat_create,
        mentee=UserFactory(),
        group_id=group.public_id,
        objective="Learn",
        source=CARD_DECLINED,
    )
    assert group_seats_taken(group) == 1
    assert money_state()[0] == before[0]  # no ledger posting for the declined card
