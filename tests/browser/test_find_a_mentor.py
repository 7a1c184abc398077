"""In a real browser: sign up, open a mentor profile, and be found by a second person."""

import re

import pytest

from headstrt.accounts.models import Topic
from tests.browser.accessibility import assert_accessible
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def visit(page, path: str) -> None:
    page.goto(path)
    assert_accessible(page)


def confirmation_link(mailbox, email: str) -> str:
    (message,) = mailbox.messages_to(email)
    return re.search(r"https?://\S+/accounts/confirm-email/\S+", mailbox.body(message)).group(0)


def log_in(page, email: str, password: str) -> None:
    visit(page, "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_new_mentor_is_found_by_another_person(new_page, mailbox, live_server):
    topic = Topic.objects.get(slug="career-salary-negotiation")
    mentor = new_page()
    visit(mentor, "/")
    mentor.get_by_role("link", name="Sign up").first.click()
    assert_accessible(mentor)
    mentor.get_by_label("Display name").fill("Ada Mentor")
    mentor.get_by_label("Email").fill("ada.mentor@example.org")
    mentor.get_by_label("Password").fill("a long and unusual passphrase 7")
    mentor.get_by_label("Time zone").fill("Europe/Lisbon")
    mentor.get_by_role("button", name="Sign up").click()
    assert_accessible(mentor)

    # The verification email arrived through SMTP; its link confirms the address.
    visit(mentor, confirmation_link(mailbox, "ada.mentor@example.org"))
    mentor.get_by_role("button", name=re.compile("confirm", re.I)).click()
    assert_accessible(mentor)

    visit(mentor, "/me/mentor/")
    mentor.get_by_label("Headline").fill("Former recruiter: I help you negotiate your salary")
    mentor.get_by_label("Bio").fill("Ten years of hiring. <b>Bold</b> claims welcome.")
    mentor.get_by_label("Currency").fill("EUR")
    mentor.get_by_label("30 minutes").fill("40")
    mentor.get_by_label("Sessions a week").fill("4")
    mentor.get_by_role("button", name="Open mentor profile").click()
    assert_accessible(mentor)
    mentor.get_by_label("Topic").select_option(topic.slug)
    mentor.get_by_label("Years of experience").fill("10")
    mentor.get_by_label("What you can help with").fill("Preparing the numbers and the talk")
    mentor.get_by_role("button", name="Add expertise").click()
    mentor.get_by_role("button", name=f"Remove {topic.path}").wait_for()
    assert_accessible(mentor)

    seeker = new_page(width=390, height=844)  # a phone
    UserFactory(email="seeker@example.org", display_name="Seeker")
    log_in(seeker, "seeker@example.org", PASSWORD)
    visit(seeker, "/mentors/")
    seeker.get_by_label("Search").fill("recruiter negotiate")
    seeker.get_by_role("button", name="Search").click()
    seeker.get_by_role("heading", name="1 mentor").wait_for()
    assert_accessible(seeker)
    seeker.get_by_role("link", name="Ada Mentor").click()
    seeker.get_by_role("heading", name="Ada Mentor").wait_for()
    assert_accessible(seeker)
    assert seeker.get_by_text(topic.path).count() >= 1
    assert seeker.get_by_text("<b>Bold</b> claims welcome.").is_visible()
    assert mentor.console_errors == [] and seeker.console_errors == []


def test_directory_filters_without_reloading_the_page(new_page):
    page = new_page()
    visit(page, "/mentors/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Area of life").select_option("personal")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"area=personal"))
    assert page.evaluate("window.notReloaded") is True
    assert_accessible(page)
    assert page.console_errors == []
