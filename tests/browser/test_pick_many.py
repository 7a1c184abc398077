"""In a real browser: choosing among many options (languages, topics) by name, and the plain
list it enhances when scripts are off."""

import pytest
from playwright.sync_api import expect

from headstrt.accounts.models import MenteeProfile, Topic
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def spoken(user) -> list[str]:
    return sorted(user.languages.values_list("code", flat=True))


def test_languages_are_chosen_by_name_and_removed_by_their_button(new_page):
    mia = UserFactory(email="mia@example.org", languages=["en"])
    page = new_page(width=360, height=780)
    log_in(page, "mia@example.org")
    page.goto("/me/")

    field = page.get_by_label("Languages you speak")
    expect(page.get_by_role("button", name="Remove English")).to_be_visible()
    assert page.locator("select[name=languages]").is_hidden()
    assert "Hold Ctrl" not in page.locator("#id_languages_helptext").inner_text()
    assert_accessible(page)

    field.fill("Fren")
    field.press("Enter")  # no language of that name: nothing added, nothing sent
    assert page.get_by_role("button", name="Remove French").count() == 0
    assert field.input_value() == "Fren"
    field.fill("french")
    field.press("Enter")
    expect(page.get_by_role("button", name="Remove French")).to_be_visible()
    assert field.input_value() == ""
    assert spoken(mia) == ["en"]  # Enter added the name; it did not send the form

    page.get_by_role("button", name="Remove English").click()
    expect(field).to_be_focused()
    page.get_by_role("button", name="Save").first.click()
    page.get_by_text("Your account settings are saved.").wait_for()
    assert spoken(mia) == ["fr"]
    expect(page.get_by_role("button", name="Remove French")).to_be_visible()
    assert page.get_by_role("button", name="Remove English").count() == 0
    assert page.console_errors == []


def test_a_topic_is_named_with_its_category(new_page):
    mia = UserFactory(email="mia@example.org")
    page = new_page()
    log_in(page, "mia@example.org")
    page.goto("/me/mentee/")

    promotion = Topic.objects.get(slug="career-promotion")
    page.get_by_label("Interests").fill(promotion.path)
    page.get_by_label("Interests").press("Tab")  # leaving the field adds a name typed in full
    expect(page.get_by_role("button", name=f"Remove {promotion.path}")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your mentee profile is saved.").wait_for()
    profile = MenteeProfile.objects.get(user=mia)
    assert list(profile.interests.values_list("slug", flat=True)) == ["career-promotion"]


def test_without_scripts_the_plain_list_chooses(browser, live_server):
    mia = UserFactory(email="mia@example.org", languages=["en"])
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill("mia@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/me/")
        assert "Hold Ctrl" in page.locator("#id_languages_helptext").inner_text()
        page.get_by_label("Languages you speak").select_option(["en", "fr"])
        page.get_by_role("button", name="Save").first.click()
        page.get_by_text("Your account settings are saved.").wait_for()
        assert spoken(mia) == ["en", "fr"]
    finally:
        context.close()
