"""Booking a paid session in one call (``booking_create``): it is paid with the card it comes
with, and a refusal leaves no hold behind, except while the bank has not answered. Every
test ends with the ledger reconciled."""

from datetime import timedelta

import pytest

from headstrt.payments.models import Payment, PaymentStatus
from headstrt.payments.providers.test import CARD_DECLINED, CARD_UNAVAILABLE
from headstrt.scheduling.models import Booking, BookingStatus
from headstrt.scheduling.selectors import mentor_free_slots
from tests.factories import UserFactory
from tests.payments.flows import escrow, provider_charges
from tests.scheduling.sessions import NOW, TUESDAY_9, book, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "reconciled")]


def slot_free(mentor) -> bool:
    """Whether the mentor offers Tuesday 09:00 (Paris) for 30 minutes."""
    end = TUESDAY_9 + timedelta(hours=1)
    slots = mentor_free_slots(mentor=mentor, minutes=30, start=TUESDAY_9, end=end, now=NOW)
    return TUESDAY_9 in [slot.start for slot in slots]


def test_a_paid_session_is_paid_and_confirmed(mentor, mentee):
    booking = book(mentor, mentee)

    assert booking.status == BookingStatus.CONFIRMED and booking.price_minor == 4000
    payment = Payment.objects.get()
    assert (payment.booking, payment.status, payment.amount_minor) == (
        booking,
        PaymentStatus.SUCCEEDED,
        4000,
    )
    assert escrow(booking) == 4000 and provider_charges() == 1


@pytest.mark.parametrize("source", [None, "", "   "])
def test_without_a_card_nothing_is_held_or_charged(mentor, mentee, source):
    error = refused("required", book, mentor=mentor, mentee=mentee, source=source)

    assert error.field == "source"
    assert not Booking.objects.filter(status=BookingStatus.HELD).exists()
    assert not Payment.objects.exists() and provider_charges() == 0
    assert slot_free(mentor)
    assert book(mentor, mentee).status == BookingStatus.CONFIRMED  # a retry with a card


def test_a_declined_card_frees_the_slot(mentor, mentee):
    error = refused("card_declined", book, mentor=mentor, mentee=mentee, source=CARD_DECLINED)

    assert (error.status, error.field) == (402, "source")
    declined = Booking.objects.get()
    assert declined.status != BookingStatus.HELD and escrow(declined) == 0
    assert Payment.objects.get().status == PaymentStatus.DECLINED
    assert slot_free(mentor)
    assert book(mentor, UserFactory()).status == BookingStatus.CONFIRMED


def test_a_bank_that_does_not_answer_keeps_the_slot_held(mentor, mentee):
    error = refused("payment_pending", book, mentor=mentor, mentee=mentee, source=CARD_UNAVAILABLE)

    assert error.status == 503
    assert Booking.objects.get().status == BookingStatus.HELD
    assert not slot_free(mentor)
    refused("slot_taken", book, mentor=mentor, mentee=UserFactory())
