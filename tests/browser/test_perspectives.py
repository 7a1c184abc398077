"""In real browsers: a mentee asks three mentors from their situation's matches for written
perspectives and pays with the test card; each mentor answers in their own browser, and the
second one first checks that the first one's answer stays hidden until theirs is sent; the
mentee compares the three answers side by side (stacked on a phone) and marks one the most
helpful. Every page is checked with axe."""

import pytest

from headstrt.accounts.models import Topic
from headstrt.payments.models import LedgerAccount
from headstrt.perspectives.models import AskStatus, PerspectiveAsk
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking import fits_the_screen, log_in
from tests.factories import (
    ExpertiseEntryFactory,
    MentorProfileFactory,
    SituationFactory,
    UserFactory,
)
from tests.matching.fake_ranking import use_fake_ranking

pytestmark = pytest.mark.django_db(transaction=True)

SITUATION = (
    "I have a salary negotiation on Friday for a senior role. The offer is 10% below what I "
    "hoped for. How do I open the conversation, and what number do I name first?"
)
ANSWERS = {
    "Ana Anchor": "Name your number first and anchor it high: 15% above the offer, backed by "
    "two market figures. Then stop talking and let them answer.",
    "Ben Budget": "Ask what the budget range is before naming anything; if they insist, give "
    "a range whose bottom is the number you actually want.",
    "Cleo Calm": "Thank them for the offer, say you are excited, then ask whether there is "
    "flexibility on the base salary or on a signing bonus instead.",
}


@pytest.fixture(autouse=True)
def predictable_ranking(monkeypatch):
    """The live server runs in this process, so it ranks with the predictable stand-in."""
    use_fake_ranking(monkeypatch)


def mentors_who_answer_in_writing():
    salary = Topic.objects.get(slug="career-salary-negotiation")
    for name, price in (("Ana Anchor", 1500), ("Ben Budget", 2000), ("Cleo Calm", 2500)):
        first = name.split()[0].lower()
        ExpertiseEntryFactory(
            mentor=MentorProfileFactory(
                user__display_name=name,
                user__email=f"{first}@example.org",
                headline="Salary negotiation coach",
                answer_price_minor=price,
            ),
            topic=salary,
            description="Salary negotiation for senior roles",
        )


def answer_in_own_browser(new_page, name: str, *, width: int = 1280, others: str = "") -> None:
    """The mentor ``name`` opens the question from their inbox and answers it; ``others``
    is another mentor's answer, which must stay hidden until this one is sent."""
    page = new_page(width=width, height=900)
    log_in(page, f"{name.split()[0].lower()}@example.org")
    if width < 640:  # a phone shows the nav folded behind its Menu button
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Perspectives", exact=True).click()
    page.get_by_role("link", name="Questions to answer").click()
    page.get_by_role("heading", name="Questions to answer").wait_for()
    assert page.get_by_text("From Mia Mentee · €").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Salary talk on Friday").click()
    page.get_by_role("heading", name="The question").wait_for()
    assert page.get_by_text("How do I open the conversation").is_visible()
    if others:
        assert page.get_by_text("once you have sent yours").is_visible()
        assert page.get_by_text(others).count() == 0
    assert_accessible(page)

    page.get_by_label("Your answer").fill(ANSWERS[name])
    page.get_by_role("button", name="Send your answer").click()
    page.get_by_text("Your answer is sent.").wait_for()
    if others:
        assert page.get_by_text(others).is_visible()  # now theirs is in, the others show
    assert_accessible(page)
    assert fits_the_screen(page)
    assert page.console_errors == []


def test_a_mentee_asks_three_mentors_and_compares_their_answers(new_page):
    mentors_who_answer_in_writing()
    mentee = UserFactory(email="mia@example.org", display_name="Mia Mentee", languages=["en"])
    situation = SituationFactory(mentee=mentee, title="Salary talk on Friday", text=SITUATION)

    page = new_page()
    log_in(page, "mia@example.org")
    page.goto(f"/situations/{situation.public_id}/matches/")
    ask_section = page.get_by_role("region", name="Ask several mentors for written perspectives")
    ask_section.wait_for()
    assert_accessible(page)
    for label in ("Ana Anchor, €15.00", "Ben Budget, €20.00", "Cleo Calm, €25.00"):
        ask_section.get_by_label(label).check()
    ask_section.get_by_role("button", name="Ask the chosen mentors").click()

    page.get_by_role("heading", name="Ask mentors for their perspectives").wait_for()
    for name in ANSWERS:
        assert page.get_by_label(name).is_checked()
    assert page.get_by_label("Your question").input_value() == SITUATION
    assert_accessible(page)
    page.get_by_role("button", name="Send the request").click()

    page.get_by_role("heading", name="Pay to send your question").wait_for()
    assert page.get_by_text("4000 0000 0000 0002").is_visible()
    assert_accessible(page)
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay €60.00 and send").click()
    page.get_by_text("Paid. Your question is sent").wait_for()
    assert page.get_by_text("Waiting for the answer", exact=True).count() == 3
    assert LedgerAccount.objects.filter(kind="escrow").count() == 3
    assert_accessible(page)

    answer_in_own_browser(new_page, "Ana Anchor")
    answer_in_own_browser(new_page, "Ben Budget", others=ANSWERS["Ana Anchor"])
    answer_in_own_browser(new_page, "Cleo Calm", width=360, others=ANSWERS["Ben Budget"])

    # Side by side on a wide screen: the three answers share one row.
    page.reload()
    answers = page.locator("ol.answers > li")
    answers.first.wait_for()
    assert answers.count() == 3
    boxes = [answers.nth(n).bounding_box() for n in range(3)]
    assert len({round(box["y"]) for box in boxes}) == 1
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    for text in ANSWERS.values():
        assert page.get_by_text(text).is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Mark as most helpful: Ben Budget’s answer").click()
    page.get_by_text("Ben Budget’s answer is marked the most helpful.").wait_for()
    first = page.locator("ol.answers > li").first
    assert first.get_by_role("heading", name="Ben Budget").is_visible()
    assert first.get_by_text("Most helpful", exact=True).is_visible()
    assert list(PerspectiveAsk.objects.filter(helpful=True).values_list("status", flat=True)) == [
        AskStatus.ANSWERED
    ]
    assert_accessible(page)
    assert page.console_errors == []

    # On a phone the same answers stack, one under the other, within the screen.
    phone = new_page(width=360, height=780)
    log_in(phone, "mia@example.org")
    phone.goto(page.url)
    stacked = phone.locator("ol.answers > li")
    stacked.first.wait_for()
    boxes = [stacked.nth(n).bounding_box() for n in range(3)]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert len({round(box["x"]) for box in boxes}) == 1
    assert fits_the_screen(phone)
    assert_accessible(phone)
