"""In a real browser: the progressive enhancements of app.js that run on page load."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

# Counts the Intl.DateTimeFormat calls of the page (the first one loads locale data: slow).
COUNT_INTL_CALLS = """
window.intlCalls = 0;
const BrowserDateTimeFormat = Intl.DateTimeFormat;
Intl.DateTimeFormat = function (...options) {
  window.intlCalls += 1;
  return new BrowserDateTimeFormat(...options);
};
"""


@pytest.fixture
def page_in_lisbon(browser, live_server):
    context = browser.new_context(base_url=live_server.url, timezone_id="Europe/Lisbon")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_sign_up_suggests_the_browsers_time_zone(page_in_lisbon):
    page_in_lisbon.goto("/accounts/signup/")
    expect(page_in_lisbon.get_by_label("Time zone")).to_have_value("Europe/Lisbon")


@pytest.mark.parametrize(("path", "asks_for_the_zone"), [("/", False), ("/accounts/signup/", True)])
def test_only_a_page_with_a_time_zone_field_asks_for_the_zone(
    page_in_lisbon, path, asks_for_the_zone
):
    page_in_lisbon.add_init_script(COUNT_INTL_CALLS)
    page_in_lisbon.goto(path, wait_until="load")
    assert (page_in_lisbon.evaluate("window.intlCalls") > 0) is asks_for_the_zone
