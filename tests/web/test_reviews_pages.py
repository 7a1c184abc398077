"""Review pages: the review form and its errors, the session page before and after the reveal,
the mentor's reputation, reporting, the staff's moderation, and pinned query counts."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from headstrt.reviews.models import Review, ReviewReport
from headstrt.reviews.services import review_report
from tests.reviews.conftest import done_session, outsider, staff
from tests.reviews.reviewing import review, reviewed_sessions, snapshot
from tests.scheduling.conftest import frozen, mentee, mentor
from tests.scheduling.sessions import book

pytestmark = pytest.mark.django_db

NOTE = "Only for the platform: they seemed tired"


def url(name, *args) -> str:
    return reverse(f"web:{name}", args=args)


def html(response) -> str:
    return response.content.decode()


def as_person(client, person):
    client.force_login(person)
    return client


FORM = {"stars": "4", "clarity": "5", "preparation": "", "respect": "", "text": "Clear advice"}


def test_the_review_form_has_labelled_stars_aspects_and_a_private_note(
    client, done_session, mentee
):
    page = html(as_person(client, mentee).get(url("session_review", done_session.public_id)))
    assert "Overall, how was your session with Nia Negotiator?" in page
    assert 'type="radio" name="stars" value="5"' in page and "5 stars — excellent" in page
    assert "1 star — very poor" in page and "Preparation" in page and "Not rated" in page
    assert "Private note to the platform" in page
    assert "Never shown to the other person" in page


def test_a_blind_review_then_the_simultaneous_reveal_on_the_session_pages(
    client, done_session, mentee, mentor, frozen
):
    as_person(client, mentee)
    sent = client.post(
        url("session_review", done_session.public_id), {**FORM, "private_note": NOTE}
    )
    assert sent.status_code == 302 and sent.url == url("session_detail", done_session.public_id)
    mine = html(client.get(sent.url))
    assert "Your review of Nia Negotiator" in mine and "Clear advice" in mine and NOTE in mine
    assert "Waiting for Nia Negotiator; both reviews appear together on" in mine
    assert "Tuesday 19 March 2030, 17:30" in mine  # the window's close on the Tokyo clock
    assert "Edit your review" in mine

    as_person(client, mentor.user)
    theirs = html(client.get(url("session_detail", done_session.public_id)))
    assert "Clear advice" not in theirs and NOTE not in theirs
    assert "Review Mia Mentee" in theirs and "Mia Mentee as a mentee" in theirs

    frozen.move(hours=2)
    client.post(url("session_review", done_session.public_id), {"stars": "5", "text": "Prepared"})
    mentor_page = html(client.get(url("session_detail", done_session.public_id)))
    assert "Mia Mentee’s review of you" in mentor_page and "Clear advice" in mentor_page
    assert NOTE not in mentor_page
    assert "4.2 out of 5" in mentor_page  # the mentee's rating as a mentee, now visible

    as_person(client, mentee)
    mentee_page = html(client.get(url("session_detail", done_session.public_id)))
    assert "Nia Negotiator’s review of you" in mentee_page and "Prepared" in mentee_page
    assert "Edit your review" not in mentee_page


def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client, done_session, mentee):
    as_person(client, mentee)
    target = url("session_review", done_session.public_id)
    long = client.post(target, {**FORM, "text": "x" * 100_000})
    assert long.status_code == 200
    assert "at most 4000" in html(long) and 'role="alert"' in html(long)
    for stars in ("0", "6", "five", ""):
        answer = client.post(target, {**FORM, "stars": stars})
        assert answer.status_code == 200 and 'role="alert"' in html(answer)
    assert snapshot() == [[], []]


def test_edit_after_the_reveal_is_refused_on_the_page_and_changes_nothing(
    client, done_session, mentee, mentor, frozen
):
    review(done_session, mentee, 5, text="Kept")
    review(done_session, mentor.user, 5)
    frozen.move(minutes=1)
    as_person(client, mentee)
    target = url("session_review", done_session.public_id)
    assert client.get(target).url == url("session_detail", done_session.public_id)
    before = snapshot()
    answer = client.post(target, {**FORM, "text": "Changed"})
    assert answer.status_code == 200 and "already revealed" in html(answer)
    assert snapshot() == before


def test_others_get_404_and_unfinished_sessions_no_form(
    client, done_session, mentee, mentor, outsider, frozen
):
    review(done_session, mentee, 5, text="Secret until revealed")
    as_person(client, outsider)
    for target in (url("session_review", done_session.public_id),):
        assert client.get(target).status_code == 404
        assert client.post(target, FORM).status_code == 404
    assert Review.objects.count() == 1

    upcoming = book(mentor, mentee, start=done_session.start + timedelta(days=7))
    as_person(client, mentee)
    answer = client.get(url("session_review", upcoming.public_id))
    assert answer.status_code == 302
    refused = client.post(url("session_review", upcoming.public_id), FORM)
    assert "Only a session marked as done" in html(refused)
    assert Review.objects.count() == 1


def test_the_mentor_profile_shows_the_rating_distribution_and_latest_reviews(
    client, mentor, frozen, django_assert_num_queries
):
    reviewed_sessions(mentor, frozen, stars=(5, 4, 3))
    page = html(client.get(url("mentor_detail", mentor.user.public_id)))
    assert "4.0 out of 5</strong> from 3 reviews" in page
    assert '<th scope="row">5 stars</th>' in page and "33%" in page
    assert "3 stars from Mentee 2" in page

    with django_assert_num_queries(7):
        listing = client.get(url("mentor_reviews", mentor.user.public_id))
    assert listing.status_code == 200 and html(listing).count('class="review"') == 3


def test_the_mentor_reviews_list_keeps_its_query_count(
    client, mentor, frozen, django_assert_num_queries
):
    reviewed_sessions(mentor, frozen, stars=(5,))
    with django_assert_num_queries(7):
        client.get(url("mentor_reviews", mentor.user.public_id))


def test_reporting_a_review_and_staff_hiding_it(
    client, done_session, mentee, mentor, outsider, staff, frozen, django_assert_num_queries
):
    written = review(done_session, mentee, 1, text="Insulting words")
    review(done_session, mentor.user, 5)
    as_person(client, outsider)
    form = html(client.get(url("review_report", written.public_id)))
    assert "Insulting words" in form and "Report a review" in form
    assert (
        client.post(url("review_report", written.public_id), {"reason": "Abuse"}).status_code == 302
    )
    assert ReviewReport.objects.filter(reporter=outsider).exists()
    assert client.get(url("staff_reviews")).status_code == 302  # to the staff sign-in

    as_person(client, staff)
    with django_assert_num_queries(5):
        page = html(client.get(url("staff_reviews")))
    assert "Insulting words" in page and "Abuse" in page and "Hide the review" in page
    answer = client.post(
        url("staff_review_decide", written.public_id), {"decision": "hide", "reason": "Insults"}
    )
    assert answer.status_code == 302
    written.refresh_from_db()
    assert written.hidden_reason == "Insults" and written.hidden_by == staff
    assert "No open reports" in html(client.get(url("staff_reviews")))

    as_person(client, mentor.user)
    assert "Insulting words" not in html(client.get(url("session_detail", done_session.public_id)))


def test_the_staff_list_keeps_its_query_count_with_more_reports(
    client, mentor, staff, frozen, django_assert_num_queries
):
    sessions = reviewed_sessions(mentor, frozen, stars=(1, 2, 3))
    for booking in sessions:
        [written] = Review.objects.filter(booking=booking)
        review_report(reporter=mentor.user, review_id=written.public_id, reason="Unfair")
    as_person(client, staff)
    with django_assert_num_queries(5):
        page = html(client.get(url("staff_reviews")))
    assert page.count("Hide the review") == 3


def test_your_reviews_page(client, done_session, mentee, mentor):
    review(done_session, mentee, 4, text="Written by me", private_note=NOTE)
    review(done_session, mentor.user, 5, text="About me")
    page = html(as_person(client, mentee).get(url("my_reviews")))
    assert "Written by me" in page and "About me" in page and NOTE in page
    as_person(client, mentor.user)
    assert NOTE not in html(client.get(url("my_reviews")))


def test_the_admin_lists_reviews_and_hides_through_the_service(
    client, done_session, mentee, mentor
):
    from headstrt.accounts.models import User

    written = review(done_session, mentee, 1, text="Spam spam")
    review(done_session, mentor.user, 5)
    review_report(reporter=mentor.user, review_id=written.public_id, reason="Spam")
    client.force_login(User.objects.create_superuser("root@example.org", "x" * 12))
    for name, args in (
        ("admin:reviews_review_changelist", []),
        ("admin:reviews_review_change", [written.pk]),
        ("admin:reviews_reviewreport_changelist", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 200
    changelist = reverse("admin:reviews_review_changelist")
    client.post(changelist, {"action": "hide_reviews", "_selected_action": [written.pk]})
    assert Review.objects.get(pk=written.pk).hidden_at is None  # no reason, nothing hidden
    client.post(
        changelist,
        {"action": "hide_reviews", "_selected_action": [written.pk], "reason": "Advertising"},
    )
    written.refresh_from_db()
    assert written.hidden_reason == "Advertising"
    assert ReviewReport.objects.get().resolution == "hidden"


def my_reviews_queries(client, mentor, frozen, count) -> int:
    sessions = reviewed_sessions(mentor, frozen, stars=(4,) * count)
    frozen.set(sessions[-1].end + timedelta(minutes=2))
    for booking in sessions:
        review(booking, mentor.user, 5, text="Came well prepared")
    as_person(client, mentor.user)
    client.get(url("my_reviews"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url("my_reviews")).status_code == 200
    return len(captured)


@pytest.mark.parametrize("count", [1, 3])
def test_my_reviews_page_keeps_its_query_count(client, mentor, frozen, count):
    # the same with one review written as with three (no query per review)
    assert my_reviews_queries(client, mentor, frozen, count) == 7
