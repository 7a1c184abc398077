"""Paid panels through the scheduling side: one charge for the panel, each mentor's price in
the escrow of their own session, all confirmed together; a panel that cannot be had whole
is not charged; cancelling refunds each part by the usual rules. The ledger always adds up."""

import pytest

from headstrt.payments.models import Payment, PaymentKind
from headstrt.payments.panels import panel_pay
from headstrt.payments.providers.test import CARD_SUCCEEDS
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from tests.factories import UserFactory
from tests.payments.conftest import reconciled  # noqa: F401
from tests.payments.flows import escrow, money_state, provider_refunds
from tests.scheduling.gatherings import ids, panel_hold, zoned_mentor
from tests.scheduling.sessions import TUESDAY_9, book, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "reconciled")]


@pytest.fixture
def priced():
    """Three mentors sharing Tuesday morning (UTC) at 40.00, 25.00 and free."""
    return [
        zoned_mentor(zone, offers={30: price})
        for zone, price in (("Europe/Paris", 4000), ("Asia/Kolkata", 2500), ("Asia/Kathmandu", 0))
    ]


def parts_of(panel):
    return list(Booking.objects.filter(panel=panel).order_by("pk"))


def test_a_paid_panel_is_one_charge_split_into_each_mentor_s_escrow(mentee, priced):
    panel = services.panel_create(
        mentee=mentee,
        mentor_ids=ids(priced),
        start=TUESDAY_9,
        minutes=30,
        objective="Three views",
        source=CARD_SUCCEEDS,
    )

    parts = parts_of(panel)
    assert [part.status for part in parts] == [BookingStatus.CONFIRMED] * 3
    assert [escrow(part) for part in parts] == [4000, 2500, 0]
    [payment] = Payment.objects.filter(panel=panel)
    assert (payment.kind, payment.amount_minor) == (PaymentKind.PANEL, 6500)


def test_a_panel_one_of_whose_mentors_was_taken_is_not_charged(frozen, mentee, priced):
    panel = panel_hold(mentee, priced)
    frozen.move(minutes=30)
    book(priced[1], UserFactory())
    before = money_state()

    refused(
        "hold_expired",
        panel_pay,
        mentee=mentee,
        panel_id=panel.public_id,
        objective="Three views",
        agenda="",
        source=CARD_SUCCEEDS,
    )

    assert money_state() == before
    assert BookingStatus.CONFIRMED not in {part.status for part in parts_of(panel)}


def test_the_mentee_cancelling_early_refunds_every_part_in_full(mentee, priced, committed):
    panel = services.panel_create(
        mentee=mentee,
        mentor_ids=ids(priced),
        start=TUESDAY_9,
        minutes=30,
        objective="Three views",
        source=CARD_SUCCEEDS,
    )

    with committed():
        services.panel_cancel(user=mentee, panel_id=panel.public_id)

    assert [escrow(part) for part in parts_of(panel)] == [0, 0, 0]
    assert provider_refunds() == [2500, 4000]
