"""In a real browser: a mentee books a session on a phone; the mentor finds it and edits
their availability."""

import re
import time as time_module
from datetime import time

import pytest

from headstrt.scheduling import services
from headstrt.scheduling.models import AvailabilityRule, Booking, BookingStatus
from tests.browser.accessibility import assert_accessible
from tests.factories import PASSWORD, MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def wait_for_text(locator, pattern: str, timeout: float = 3.0) -> None:
    """Wait until the script has written text matching ``pattern`` into ``locator``; polled
    from here, as the CSP forbids the strings Playwright would evaluate in the page."""
    deadline = time_module.monotonic() + timeout
    while not re.search(pattern, locator.inner_text()):
        if time_module.monotonic() > deadline:
            raise AssertionError(f"{locator.inner_text()!r} never matched {pattern!r}")
        locator.page.wait_for_timeout(50)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_mentee_books_a_session_and_the_mentor_sees_it(new_page):
    mentor = MentorProfileFactory(
        user__display_name="Nia Negotiator",
        user__email="nia@example.org",
        user__time_zone="Europe/Paris",
        offers={30: 4000, 60: 7000},
    )
    # Open around the clock, so the test finds free slots whenever it runs.
    services.availability_set(user=mentor.user, rules=[(day, time(0), time(0)) for day in range(7)])
    UserFactory(email="mia@example.org", display_name="Mia Mentee", time_zone="Asia/Tokyo")

    page = new_page(width=360, height=780)
    log_in(page, "mia@example.org")
    page.goto(f"/mentors/{mentor.user.public_id}/")
    assert_accessible(page)
    page.get_by_role("link", name="Book a session").click()

    # The picker states the viewer's zone; the next week comes in without a reload.
    page.get_by_role("heading", name="Book a session with Nia Negotiator").wait_for()
    assert page.get_by_text("Asia/Tokyo").first.is_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    page.evaluate("window.notReloaded = true")
    first_week = page.locator("#picker-heading").inner_text()
    page.get_by_role("link", name="Next week").click()
    page.wait_for_url(re.compile(r"\?week=\d{4}-\d\d-\d\d"))
    page.get_by_role("link", name="Previous week").wait_for()
    assert page.locator("#picker-heading").inner_text() != first_week
    assert page.evaluate("window.notReloaded") is True
    assert_accessible(page)
    page.locator("button.slot").first.click()

    # Checkout: the hold counts down while the objective is written.
    page.get_by_role("heading", name="Confirm your session").wait_for()
    assert_accessible(page)
    wait_for_text(page.get_by_role("timer"), r"\d+ min \d\d s left")
    assert page.get_by_text("confirms bookings instantly").is_visible()
    page.get_by_label("Objective").fill("Ask for 15% more without sounding greedy")
    page.get_by_label("Agenda").fill("1. My numbers\n2. Their likely answers")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay €40.00 and confirm").click()

    # The session page: confirmed, counting down to the start, with the video room.
    page.get_by_role("heading", name="Session with Nia Negotiator").wait_for()
    assert page.get_by_text("Your session with Nia Negotiator is confirmed.").is_visible()
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.minutes == 30
    wait_for_text(page.get_by_role("timer"), r"Starts in \d+ (days? \d+ h|h \d+ min)")
    assert page.get_by_text(f"meet.jit.si/{booking.room}").is_visible()
    join = page.get_by_role("button", name="Join the video call")
    assert join.is_disabled()
    assert page.get_by_text("opens 10 minutes before the start").is_visible()
    assert page.get_by_text("Ask for 15% more without sounding greedy").is_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    assert page.console_errors == []

    # The mentor finds it under Sessions, on their own clock.
    desk = new_page()
    log_in(desk, "nia@example.org")
    desk.get_by_role("link", name="Sessions", exact=True).click()
    desk.get_by_role("heading", name="My sessions").wait_for()
    assert desk.get_by_text("You mentor Mia Mentee").is_visible()
    assert_accessible(desk)
    desk.locator(".session-item__title a").click()
    desk.get_by_role("heading", name="Session with Mia Mentee").wait_for()
    assert desk.get_by_role("link", name="Reschedule").is_visible()
    assert_accessible(desk)

    # ...and changes their Sunday hours with the range buttons.
    desk.get_by_role("link", name="My profile").click()
    desk.get_by_role("link", name="Availability").click()
    desk.get_by_role("heading", name="Weekly hours").wait_for()
    assert_accessible(desk)
    desk.get_by_role("button", name="Remove a range (Sunday)").click()
    assert desk.locator("#id_day_6").get_by_text("Not available").is_visible()
    desk.get_by_role("button", name="Add a range (Sunday)").click()
    desk.get_by_label("Sunday From").fill("09:00")
    desk.get_by_label("Sunday To").fill("12:30")
    desk.get_by_role("button", name="Add a range (Sunday)").click()
    desk.get_by_label("Sunday From").nth(1).fill("14:00")
    desk.get_by_label("Sunday To").nth(1).fill("16:00")
    desk.get_by_role("button", name="Save weekly hours").click()
    desk.get_by_text("Your weekly hours are saved.").wait_for()
    assert [(rule.start, rule.end) for rule in AvailabilityRule.objects.filter(weekday=6)] == [
        (time(9), time(12, 30)),
        (time(14), time(16)),
    ]
    assert_accessible(desk)
    assert desk.console_errors == []
