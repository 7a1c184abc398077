"""Paying for a panel: one charge split into each mentor's escrow with every part confirmed,
or nothing confirmed and the whole charge given back; each part's escrow then lives on its
own (a mentor's cancellation refunds their part only, the window releases the rest).
Every test ends with the ledger reconciled."""

from datetime import timedelta

import pytest

from headstrt.housekeeping import housekeeping_run
from headstrt.payments.models import AccountKind, Payment, PaymentKind, PaymentStatus
from headstrt.payments.panels import panel_pay
from headstrt.payments.providers.base import ChargeResult
from headstrt.payments.providers.test import CARD_DECLINED, CARD_SUCCEEDS, CARD_UNAVAILABLE
from headstrt.payments.services import payment_settle
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Booking, BookingStatus
from headstrt.scheduling.services.panels import panel_hold
from tests.factories import UserFactory
from tests.payments.flows import (
    balance,
    earnings,
    escrow,
    fees,
    money_state,
    priced_mentor,
    provider_charges,
    provider_refunds,
)
from tests.scheduling.sessions import NOW, TUESDAY_9, hold, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "reconciled")]


@pytest.fixture
def panelists():
    return priced_mentor(3000), priced_mentor(5000)


def held_panel(mentee, mentors):
    return panel_hold(
        mentee=mentee,
        mentor_ids=[mentor.user.public_id for mentor in mentors],
        start=TUESDAY_9,
        minutes=30,
    )


def pay_panel(mentee, panel, card=CARD_SUCCEEDS):
    return panel_pay(
        mentee=mentee,
        panel_id=panel.public_id,
        objective="Three views on my offer",
        agenda="",
        source=card,
    )


def parts(panel) -> list[Booking]:
    return list(Booking.objects.filter(panel=panel).order_by("price_minor"))


def test_one_charge_fills_each_mentors_escrow_and_confirms_every_part(mentee, panelists):
    panel = held_panel(mentee, panelists)
    pay_panel(mentee, panel)
    cheap, dear = parts(panel)
    assert [cheap.status, dear.status] == [BookingStatus.CONFIRMED] * 2
    assert (escrow(cheap), escrow(dear)) == (3000, 5000)
    (payment,) = Payment.objects.filter(panel=panel)
    assert (payment.kind, payment.amount_minor, payment.status) == (
        PaymentKind.PANEL,
        8000,
        PaymentStatus.SUCCEEDED,
    )
    assert provider_charges() == 1
    assert balance(AccountKind.MENTEE_WALLET, user=mentee) == 0


def test_paying_again_is_refused_and_changes_nothing(mentee, panelists):
    panel = held_panel(mentee, panelists)
    pay_panel(mentee, panel)
    before = money_state()
    refused("already_paid", pay_panel, mentee=mentee, panel=panel)
    assert money_state() == before


def test_a_declined_card_confirms_nothing_and_frees_the_mentors_time(mentee, panelists):
    panel = held_panel(mentee, panelists)
    refused("card_declined", pay_panel, mentee=mentee, panel=panel, card=CARD_DECLINED)
    assert {booking.status for booking in parts(panel)} == {BookingStatus.EXPIRED}
    assert escrow(parts(panel)[0]) == escrow(parts(panel)[1]) == 0
    # Someone else may book the first mentor at once.
    other = UserFactory(time_zone="Europe/Paris")
    assert hold(panelists[0], other).status == BookingStatus.HELD


def test_a_charge_that_lands_after_a_part_was_lost_confirms_nothing_and_is_refunded_whole(
    mentee, panelists, frozen
):
    panel = held_panel(mentee, panelists)
    refused("payment_pending", pay_panel, mentee=mentee, panel=panel, card=CARD_UNAVAILABLE)
    frozen.now = NOW + timedelta(minutes=30)  # the holds lapse ...
    taken = hold(panelists[1], UserFactory(time_zone="Europe/Paris"))  # ... one is taken
    (payment,) = Payment.objects.filter(panel=panel)
    payment_settle(key=payment.key, result=ChargeResult(status="succeeded", provider_ref="ch_1"))
    assert {booking.status for booking in parts(panel)} <= {
        BookingStatus.HELD,
        BookingStatus.EXPIRED,
    }
    assert not any(escrow(booking) for booking in parts(panel))
    payment.refresh_from_db()
    assert payment.refunded_minor == payment.amount_minor == 8000
    assert Booking.objects.get(pk=taken.pk).status == BookingStatus.HELD
    # Settling the same answer again moves no money.
    before = money_state()
    payment_settle(key=payment.key, result=ChargeResult(status="succeeded", provider_ref="ch_1"))
    assert money_state() == before


def test_a_mentor_cancelling_refunds_their_part_only(
    mentee, panelists, django_capture_on_commit_callbacks
):
    panel = held_panel(mentee, panelists)
    pay_panel(mentee, panel)
    cheap, dear = parts(panel)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.booking_cancel(user=cheap.mentor.user, booking_id=cheap.public_id)
    assert escrow(cheap) == 0 and escrow(dear) == 5000
    payment = Payment.objects.get(panel=panel)
    assert payment.refunded_minor == 3000
    assert provider_refunds() == [3000]
    assert Booking.objects.get(pk=dear.pk).status == BookingStatus.CONFIRMED


def test_after_the_window_each_part_is_released_to_its_mentor_less_the_fee(
    mentee, panelists, frozen, settings
):
    panel = held_panel(mentee, panelists)
    pay_panel(mentee, panel)
    cheap, dear = parts(panel)
    frozen.now = cheap.end + timedelta(minutes=5)
    for booking in (cheap, dear):
        scheduling.booking_complete(user=mentee, booking_id=booking.public_id)
    frozen.now = cheap.end + timedelta(hours=settings.HEADSTRT_DISPUTE_WINDOW_HOURS, minutes=1)
    housekeeping_run()
    percent = settings.HEADSTRT_PLATFORM_FEE_PERCENT
    assert earnings(cheap.mentor.user) == 3000 - 3000 * percent // 100
    assert earnings(dear.mentor.user) == 5000 - 5000 * percent // 100
    assert fees() == 8000 * percent // 100
    assert escrow(cheap) == escrow(dear) == 0
