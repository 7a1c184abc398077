"""In a real browser: after a session, the mentee and the mentor review each other in their
own browsers; neither sees anything of the other's review until both are in, then both
appear at once."""

from datetime import timedelta

import pytest

from headstrt.core import clock
from headstrt.scheduling.models import Booking, BookingStatus
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking import log_in
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

MENTEE_TEXT = "Nia made my negotiation plan concrete in twenty minutes."
MENTEE_NOTE = "Her camera froze twice; no big deal."
MENTOR_TEXT = "Mia came with clear numbers and questions."


def done_session() -> Booking:
    """A free 30-minute session between Nia and Mia that ended an hour ago, marked done."""
    mentor = MentorProfileFactory(
        user__display_name="Nia Negotiator",
        user__email="nia@example.org",
        user__time_zone="Europe/Paris",
        offers={30: 0},
    )
    mentee = UserFactory(email="mia@example.org", display_name="Mia Mentee", time_zone="Asia/Tokyo")
    now = clock.now()
    return Booking.objects.create(
        mentor=mentor,
        mentee=mentee,
        start=now - timedelta(minutes=90),
        end=now - timedelta(minutes=60),
        minutes=30,
        price_minor=0,
        currency="EUR",
        status=BookingStatus.COMPLETED,
        confirmed_at=now - timedelta(days=1),
        ended_at=now - timedelta(minutes=55),
        ended_by=mentor.user,
    )


def write_review(page, *, stars: str, text: str, note: str = "") -> None:
    page.get_by_role("link", name="Review").first.click()
    page.get_by_role("heading", name="How it went").wait_for()
    assert page.get_by_text("Never shown to the other person").is_visible()
    assert_accessible(page)
    page.get_by_label(stars).check()
    page.get_by_role("group", name="Clarity").get_by_label("5 of 5").check()
    page.get_by_label("Your review").fill(text)
    if note:
        page.get_by_label("Private note to the platform").fill(note)
    page.get_by_role("button", name="Send your review").click()
    page.get_by_text("Your review is saved").wait_for()


def test_both_sides_review_and_the_reviews_appear_together(new_page):
    booking = done_session()
    session = f"/sessions/{booking.public_id}/"

    mentee = new_page()
    log_in(mentee, "mia@example.org")
    mentee.goto(session)
    mentee.get_by_role("heading", name="Reviews").wait_for()
    assert_accessible(mentee)
    write_review(mentee, stars="4 stars — good", text=MENTEE_TEXT, note=MENTEE_NOTE)
    assert mentee.get_by_text(
        "Waiting for Nia Negotiator; both reviews appear together"
    ).is_visible()
    assert mentee.get_by_text(MENTEE_NOTE, exact=False).is_visible()
    assert_accessible(mentee)

    # The mentor, in another browser, sees nothing of the blind review.
    mentor = new_page()
    log_in(mentor, "nia@example.org")
    mentor.goto(session)
    mentor.get_by_role("heading", name="Reviews").wait_for()
    content = mentor.content()
    assert MENTEE_TEXT not in content and MENTEE_NOTE not in content
    assert "review of you" not in content
    assert_accessible(mentor)
    write_review(mentor, stars="5 stars — excellent", text=MENTOR_TEXT)

    # Both are in: each side reads the other's review, and the note stays private.
    mentor.get_by_role("heading", name="Mia Mentee’s review of you").wait_for()
    assert mentor.get_by_text(MENTEE_TEXT).is_visible()
    assert MENTEE_NOTE not in mentor.content()
    assert_accessible(mentor)
    mentee.reload()
    mentee.get_by_role("heading", name="Nia Negotiator’s review of you").wait_for()
    assert mentee.get_by_text(MENTOR_TEXT).is_visible()
    assert not mentee.get_by_role("link", name="Edit your review").count()
    assert_accessible(mentee)

    # The mentor's profile shows the rating with its distribution in words.
    mentee.goto(f"/mentors/{booking.mentor.user.public_id}/")
    mentee.get_by_text("4.0 out of 5").wait_for()
    assert mentee.get_by_text(MENTEE_TEXT).is_visible()
    assert_accessible(mentee)
    mentee.goto("/me/reviews/")
    mentee.get_by_role("heading", name="Your reviews").wait_for()
    assert_accessible(mentee)
