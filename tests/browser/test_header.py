"""In a real browser: a member's main navigation on a desktop and on a phone, with and
without scripts."""

import pytest
from playwright.sync_api import expect

from headstrt.core import clock
from headstrt.messaging.models import Notification
from tests.browser.accessibility import assert_accessible
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
    assert page.get_by_role("button", name="Menu").count() == 0  # only a phone folds it
    assert len({round(box["y"]) for box in boxes}) == 1  # not wrapped
    brand = page.locator(".brand").bounding_box()
    assert boxes[0]["y"] >= brand["y"] + brand["height"]
    # Log out stands apart, at the end of the row.
    row = page.locator(".site-nav__list").bounding_box()
    assert boxes[-1]["x"] + boxes[-1]["width"] == pytest.approx(row["x"] + row["width"], abs=1)
    assert boxes[-1]["x"] - (boxes[-2]["x"] + boxes[-2]["width"]) > 40


def test_on_a_phone_a_members_navigation_folds_behind_a_menu_button(new_page):
    mia = UserFactory(email="mia@example.org")
    Notification.objects.create(
        recipient=mia, kind="test", title="Something happened", created_at=clock.now()
    )
    page = new_page(width=360, height=780)
    log_in(page, "mia@example.org")

    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    assert "new" in menu.inner_text()  # something unread behind it
    assert page.get_by_role("link", name="My situations").count() == 0
    assert_accessible(page)

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Notifications")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)

    menu.click()
    expect(page.get_by_role("link", name="My situations")).to_be_hidden()


def test_without_scripts_a_phone_shows_the_whole_navigation(browser, live_server):
    UserFactory(email="mia@example.org")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "mia@example.org")
        assert page.get_by_role("button", name="Menu").count() == 0
        assert page.get_by_role("link", name="My situations").is_visible()
        assert page.get_by_role("button", name="Log out").is_visible()
        assert fits_the_screen(page)
    finally:
        context.close()
