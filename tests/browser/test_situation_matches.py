"""In a real browser, on a phone: describe a situation, see explained matches, refine, open one."""

import pytest

from headstrt.accounts.models import Topic
from tests.browser.accessibility import assert_accessible
from tests.factories import PASSWORD, ExpertiseEntryFactory, MentorProfileFactory, UserFactory
from tests.matching.fake_ranking import use_fake_ranking

pytestmark = pytest.mark.django_db(transaction=True)

SITUATION = (
    "I have a salary negotiation on Friday for a senior role. I want to know what to ask "
    "for and how to answer if they say the budget is fixed."
)


@pytest.fixture(autouse=True)
def predictable_ranking(monkeypatch):
    """The live server runs in this process, so it ranks with the predictable stand-in."""
    use_fake_ranking(monkeypatch)


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_describe_a_situation_see_explained_matches_refine_and_open_a_mentor(new_page):
    salary = Topic.objects.get(slug="career-salary-negotiation")
    ExpertiseEntryFactory(
        mentor=MentorProfileFactory(
            user__display_name="Nia Negotiator", headline="Former recruiter", offers={30: 4000}
        ),
        topic=salary,
        description="Salary negotiation for senior roles",
    )
    ExpertiseEntryFactory(
        mentor=MentorProfileFactory(
            user__display_name="Cai Coach", headline="Career coach", offers={30: 1500}
        ),
        topic=Topic.objects.get(slug="career-promotion"),
        description="Offer negotiation practice",
    )
    UserFactory(email="mia@example.org", display_name="Mia Mentee", languages=["en"])

    page = new_page(width=360, height=780)
    log_in(page, "mia@example.org")
    assert_accessible(page)
    page.get_by_role("button", name="Menu").click()  # a phone shows the nav folded
    page.get_by_role("link", name="My situations").click()
    page.get_by_role("heading", name="My situations").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Find mentors for a situation").click()
    page.get_by_role("heading", name="Find mentors for my situation").wait_for()
    assert_accessible(page)

    # Describe it: a topic, a budget of €20 and "as soon as possible".
    page.get_by_label("Your situation").fill(SITUATION)
    page.get_by_label("Title").fill("Salary talk on Friday")
    page.get_by_label("Topic").select_option(salary.slug)
    page.get_by_label("Budget per session").fill("20")
    page.get_by_label("As soon as possible").check()
    assert page.get_by_label("From").is_hidden()  # the window's dates only once chosen
    page.get_by_role("button", name="Find mentors").click()

    # Only the mentor within budget, explained by the words that matched.
    page.get_by_role("heading", name="1 mentor for your situation").wait_for()
    assert_accessible(page)
    assert fits_the_screen(page)
    card = page.locator(".match").first
    assert "Cai Coach" in card.inner_text() and "% fit" in card.inner_text()
    assert card.locator("mark", has_text="negotiation").count() >= 1
    page.evaluate("window.notReloaded = true")

    # Refine without reloading: ask for Icelandic instead of English (her own language,
    # chosen for her) by name, and get advice on which filter to relax.
    page.get_by_role("button", name="Remove English").click()
    page.get_by_label("Languages").fill("icelandic")
    page.get_by_label("Languages").press("Enter")  # adds it, does not send the form
    assert page.get_by_role("button", name="Remove Icelandic").is_visible()
    assert page.locator("select[name=languages]").evaluate(
        "select => [...select.selectedOptions].map((option) => option.value)"
    ) == ["is"]
    page.get_by_role("button", name="Update matches").click()
    page.get_by_role("heading", name="No mentor passes all your filters").wait_for()
    assert_accessible(page)
    assert page.get_by_text("No mentor speaks Icelandic").is_visible()
    page.get_by_role("button", name="Allow any language").click()
    page.get_by_role("heading", name="1 mentor for your situation").wait_for()

    # Then drop the budget: both mentors, the better fit first.
    page.get_by_label("Budget per session").fill("")
    page.get_by_role("button", name="Remove Icelandic").click()
    page.get_by_role("button", name="Update matches").click()
    page.get_by_role("heading", name="2 mentors for your situation").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert_accessible(page)
    first = page.locator(".match").first
    assert "Nia Negotiator" in first.inner_text()
    assert first.locator("mark", has_text="salary").count() >= 1

    # Share the situation with her, then open her profile.
    first.get_by_role("button", name="Share my situation with Nia Negotiator").click()
    page.get_by_text("Nia Negotiator can now read this situation.").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Nia Negotiator", exact=True).click()
    page.get_by_role("heading", name="Nia Negotiator").wait_for()
    assert_accessible(page)
    assert page.get_by_text(salary.path).count() >= 1
    assert page.console_errors == []
