"""In a real browser: a mentee pays for a session with a test card, after a declined one;
the price and fee are shown first; the session is confirmed and appears in their payments."""

from datetime import time

import pytest

from headstrt.payments.models import LedgerAccount, Payment
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking import fits_the_screen, log_in
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_mentee_pays_for_a_session_after_a_declined_card(new_page):
    mentor = MentorProfileFactory(
        user__display_name="Nia Negotiator",
        user__time_zone="Europe/Paris",
        offers={30: 4000},
    )
    # Open around the clock, so the test finds free slots whenever it runs.
    services.availability_set(user=mentor.user, rules=[(day, time(0), time(0)) for day in range(7)])
    UserFactory(email="mia@example.org", display_name="Mia Mentee", time_zone="Asia/Tokyo")

    page = new_page(width=360, height=780)
    log_in(page, "mia@example.org")
    page.goto(f"/mentors/{mentor.user.public_id}/book/")
    page.locator("button.slot").first.click()

    # Checkout: the price, the fee included in it and the refund policy, before paying.
    page.get_by_role("heading", name="Confirm your session").wait_for()
    price = page.get_by_role("region", name="Price")
    assert price.get_by_text("€4.00").is_visible() and price.get_by_text("€36.00").is_visible()
    assert page.get_by_text("Free cancellation until 24 hours before the start").is_visible()
    assert page.get_by_text("4000 0000 0000 0002").is_visible()
    assert_accessible(page)
    assert fits_the_screen(page)

    page.get_by_label("Objective").fill("Ask for 15% more without sounding greedy")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_role("button", name="Pay €40.00 and confirm").click()

    # Declined: said plainly, nothing booked, the card box empty for another card.
    page.get_by_text("Your card was declined, so the time is no longer held").wait_for()
    assert page.locator("#id_source_error").inner_text().startswith("Your card was declined")
    assert page.get_by_label("Card number").input_value() == ""
    assert Booking.objects.get().status != BookingStatus.CONFIRMED
    assert_accessible(page)

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay €40.00 and confirm").click()

    page.get_by_role("heading", name="Session with Nia Negotiator").wait_for()
    assert page.get_by_text("is confirmed. You paid €40.00").is_visible()
    payment = page.get_by_role("region", name="Payment")
    assert payment.get_by_text("Paid, held in escrow").is_visible()
    assert payment.get_by_text("€36.00").is_visible()
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED
    assert LedgerAccount.objects.get(kind="escrow").balance_minor == 4000
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["declined", "succeeded"]
    assert_accessible(page)
    assert fits_the_screen(page)

    # The payment, and the declined attempt, are on the mentee's statement.
    page.goto("/me/payments/")
    page.get_by_role("heading", name="Payments", exact=True).wait_for()
    assert page.get_by_text("Declined", exact=True).is_visible()
    assert page.get_by_role("link", name="Download CSV").is_visible()
    assert_accessible(page)
    assert page.console_errors == []
