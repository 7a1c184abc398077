"""In a real browser, on a phone: a mentee books a panel of two mentors in different time
zones and pays both with one card; then takes a seat in a group session. Every page passes
axe and fits the screen."""

from datetime import time, timedelta

import pytest

from headstrt.core import clock
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus
from headstrt.scheduling.services import groups as group_services
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking import fits_the_screen, log_in
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def open_all_week(zone: str, name: str, price: int):
    mentor = MentorProfileFactory(
        user__display_name=name, user__time_zone=zone, offers={30: price, 60: price * 2}
    )
    # Open around the clock, so the test finds common slots whenever it runs.
    services.availability_set(user=mentor.user, rules=[(day, time(0), time(0)) for day in range(7)])
    return mentor


def test_a_mentee_books_a_panel_then_takes_a_seat(new_page):
    nia = open_all_week("Europe/Paris", "Nia Negotiator", 4000)
    lee = open_all_week("America/New_York", "Lee Leader", 3000)
    UserFactory(email="mia@example.org", display_name="Mia Mentee", time_zone="Asia/Tokyo")

    page = new_page(width=360, height=780)
    log_in(page, "mia@example.org")
    page.goto(f"/panels/new/?mentors={nia.user.public_id},{lee.user.public_id}")

    # Common times on the mentee's clock, each with both mentors' own times.
    page.get_by_role("heading", name="Book a panel").wait_for()
    first = page.locator("button.slot").first
    assert "Nia " in first.inner_text() and "Lee " in first.inner_text()  # their own clocks
    assert page.get_by_text("€70.00").is_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    first.click()

    page.get_by_role("heading", name="Confirm your panel").wait_for()
    assert page.get_by_text("on their clock (America/New_York)").is_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    page.get_by_label("Objective").fill("Two views on asking for a raise")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay €70.00 and confirm").click()

    page.get_by_role("heading", name="Panel with Nia Negotiator and Lee Leader").wait_for()
    assert page.get_by_text("is confirmed. You paid €70.00").is_visible()
    assert page.locator(".status--confirmed").count() == 2
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert_accessible(page)
    assert fits_the_screen(page)

    # A group session: the listing, its page, a seat through the usual checkout.
    group = group_services.group_session_offer(
        mentor=nia.user,
        title="Negotiating your first raise",
        start=(clock.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0),
        minutes=60,
        capacity=4,
        price_minor=1500,
    )
    page.goto("/groups/")
    page.get_by_role("link", name="Negotiating your first raise").wait_for()
    assert page.get_by_text("4 seats left").is_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    page.get_by_role("link", name="Negotiating your first raise").click()
    page.get_by_role("button", name="Take a seat for €15.00").click()

    page.get_by_role("heading", name="Confirm your session").wait_for()
    assert Booking.objects.get(group=group).status == BookingStatus.HELD
    assert page.console_errors == []
