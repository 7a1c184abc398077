"""Many mentees racing for the last seats of a group session get exactly the seats left,
never one more, free or paid. Run on PostgreSQL, where the writers really overlap (SQLite
lets one writer in at a time anyway)."""

import time
from functools import partial

import pytest
from django.db import connection

from headstrt.core.errors import DomainError
from headstrt.payments.models import Payment, PaymentStatus
from headstrt.payments.providers.test import CARD_SUCCEEDS
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from headstrt.scheduling.panel_reads import group_seats_taken
from headstrt.scheduling.services import bookings as booking_services
from tests.factories import UserFactory
from tests.scheduling.gatherings import at_once, group_offer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
]

CAPACITY, TAKEN, RACERS = 6, 3, 12


@pytest.fixture
def slow_seat_check(monkeypatch):
    """Widen the gap between counting a group's seats and taking one, where two holds
    without the locks would both see a seat left."""
    busy_intervals = booking_services.busy_intervals

    def slow(**kwargs):
        time.sleep(0.02)
        return busy_intervals(**kwargs)

    monkeypatch.setattr(booking_services, "busy_intervals", slow)


def take_seat(group, mentee=None):
    return services.group_seat_create(
        mentee=mentee or UserFactory(),
        group_id=group.public_id,
        objective="Learn to ask",
        source=CARD_SUCCEEDS,
    )


@pytest.mark.parametrize("price", [0, 1500])
def test_mentees_racing_for_the_last_seats_get_exactly_those(
    frozen, mentor, slow_seat_check, price
):
    group = group_offer(mentor, capacity=CAPACITY, price_minor=price)
    for _ in range(TAKEN):
        take_seat(group)
    racers = [UserFactory() for _ in range(RACERS)]

    outcomes = at_once([partial(take_seat, group, mentee) for mentee in racers])

    won = [outcome for outcome in outcomes if isinstance(outcome, Booking)]
    lost = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert len(won) == CAPACITY - TAKEN and len(lost) == RACERS - len(won)
    assert {error.code for error in lost} == {"group_full"}
    assert group_seats_taken(group) == CAPACITY
    seats = Booking.objects.filter(group=group)
    assert seats.filter(status=BookingStatus.CONFIRMED).count() == CAPACITY
    assert not seats.exclude(status=BookingStatus.CONFIRMED).exists()
    assert len(set(seats.values_list("mentee_id", flat=True))) == CAPACITY
    paid = Payment.objects.filter(booking__group=group, status=PaymentStatus.SUCCEEDED)
    assert paid.count() == (CAPACITY if price else 0)


def test_holds_racing_for_one_seat_leave_one_hold(frozen, mentor, slow_seat_check):
    group = group_offer(mentor, capacity=2)
    take_seat(group)

    outcomes = at_once(
        [
            partial(services.group_seat_hold, mentee=UserFactory(), group_id=group.public_id)
            for _ in range(8)
        ]
    )

    assert sum(isinstance(outcome, Booking) for outcome in outcomes) == 1
    assert group_seats_taken(group) == 2
