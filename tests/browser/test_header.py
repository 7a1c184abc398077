"""In a real browser: a member's main navigation on a desktop and on a phone."""

import pytest

from tests.browser.test_booking import fits_the_screen, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_members_navigation_is_one_row_under_the_brand_on_a_desktop(new_page):
    UserFactory(email="mia@example.org")
    page = new_page(width=1280, height=800)
    log_in(page, "mia@example.org")

    entries = page.locator(".site-nav__list > li")
    boxes = [entries.nth(index).bounding_box() for index in range(entries.count())]
    assert len(boxes) == 8
    assert len({round(box["y"]) for box in boxes}) == 1  # not wrapped
    brand = page.locator(".brand").bounding_box()
    assert boxes[0]["y"] >= brand["y"] + brand["height"]
    # Log out stands apart, at the end of the row.
    row = page.locator(".site-nav__list").bounding_box()
    assert boxes[-1]["x"] + boxes[-1]["width"] == pytest.approx(row["x"] + row["width"], abs=1)
    assert boxes[-1]["x"] - (boxes[-2]["x"] + boxes[-2]["width"]) > 40


def test_a_members_navigation_fits_a_phone(new_page):
    UserFactory(email="mia@example.org")
    page = new_page(width=360, height=780)
    log_in(page, "mia@example.org")

    assert fits_the_screen(page)
    assert page.get_by_role("link", name="Notifications").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
