"""In a real browser: a mentee disputes a paid session that was marked done, the mentor
responds, the neutral mediator proposes a 50 % split, both accept, and both read that the
dispute is resolved and how the money was split. Every page passes axe."""

# ruff: noqa: F811 (the fixtures imported below are then named as test arguments)

from datetime import timedelta

import pytest

from headstrt.disputes.models import Dispute, DisputeStatus, Mediator
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking import log_in
from tests.factories import UserFactory
from tests.scheduling.conftest import frozen, mentee, mentor  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

SPLIT = "Split: 50 % to the mentor, 50 % back to the mentee"


def done_session(frozen, mentor, mentee):
    """The mentee's paid session (€40.00) with the mentor, marked done a minute ago."""
    from headstrt.scheduling import services
    from tests.scheduling.sessions import book

    booking = book(mentor, mentee)
    frozen.set(booking.end + timedelta(minutes=1))
    services.booking_complete(user=mentor.user, booking_id=booking.public_id)
    return booking


def accept(page, case_url: str) -> None:
    page.goto(case_url)
    page.get_by_role("heading", name="Proposals and decisions").wait_for()
    assert page.get_by_text(SPLIT).first.is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Accept the proposal").click()


def test_a_dispute_from_opening_to_a_split_both_accept(new_page, frozen, mentor, mentee):
    booking = done_session(frozen, mentor, mentee)
    Mediator.objects.create(user=UserFactory(email="mo@example.org", display_name="Mo Mediator"))

    # The mentee opens a dispute from the session page.
    mia = new_page()
    log_in(mia, "mia@example.org")
    mia.goto(f"/sessions/{booking.public_id}/")
    mia.get_by_role("heading", name="A problem with this session?").wait_for()
    assert_accessible(mia)
    mia.get_by_role("link", name="Open a dispute").click()
    mia.get_by_role("heading", name="Open a dispute").wait_for()
    assert_accessible(mia)
    mia.get_by_label("Quality of the session").check()
    mia.get_by_label("What happened").fill("The mentor ended the call after ten minutes.")
    remedy = mia.get_by_role("group", name="The resolution you want")
    remedy.get_by_label("Full refund to the mentee").check()
    mia.get_by_role("button", name="Open the dispute").click()
    mia.get_by_text("Your dispute is open").wait_for()
    assert mia.get_by_text("Nia Negotiator responds by").is_visible()
    assert_accessible(mia)
    case_url = mia.url

    # The mentor responds from their list of disputes.
    nia = new_page()
    log_in(nia, "nia@example.org")
    nia.goto("/disputes/")
    nia.get_by_role("heading", name="Your disputes").wait_for()
    assert_accessible(nia)
    nia.get_by_role("link", name="Session of 5 March 2030 with Mia Mentee").click()
    nia.get_by_text("Respond by").wait_for()
    assert_accessible(nia)
    nia.get_by_label("Your account").fill("We covered the whole plan; the call dropped at the end.")
    nia.get_by_role("button", name="Send your response").click()
    nia.get_by_text("A neutral mediator now looks at the case").wait_for()

    # The mediator finds the case in the console and proposes a split.
    mo = new_page()
    log_in(mo, "mo@example.org")
    mo.goto("/mediation/")
    mo.get_by_role("heading", name="Mediation").wait_for()
    assert_accessible(mo)
    mo.get_by_role("link", name="Quality of the session: Nia Negotiator and Mia Mentee").click()
    mo.get_by_text("Propose by").wait_for()
    assert mo.get_by_role("heading", name="Session record").is_visible()
    assert mo.get_by_text("€40.00").first.is_visible()
    assert_accessible(mo)
    proposal = mo.get_by_role("form", name="Your proposal")
    proposal.get_by_role("group", name="Resolution").get_by_label("Split", exact=True).check()
    proposal.get_by_label("Mentor's share for a split (%)").fill("50")
    proposal.get_by_label("Reasons").fill("Half the session took place as booked.")
    proposal.get_by_role("button", name="Propose").click()
    mo.get_by_text("Your resolution is sent to both parties").wait_for()
    assert_accessible(mo)

    # Both parties accept; both read the outcome.
    accept(mia, case_url)
    mia.get_by_text("The other side is asked to accept it too").wait_for()
    accept(nia, case_url)
    nia.get_by_text("The dispute is resolved").wait_for()
    for page in (nia, mia):
        page.goto(case_url)
        resolution = page.get_by_role("region", name="Resolved")
        resolution.wait_for()
        assert resolution.get_by_text(SPLIT).is_visible()
        assert resolution.get_by_text("Refunded to the mentee").is_visible()
        assert resolution.get_by_text("€20.00").first.is_visible()
        assert_accessible(page)
    dispute = Dispute.objects.get()
    assert dispute.status == DisputeStatus.RESOLVED and dispute.mentor_percent == 50
