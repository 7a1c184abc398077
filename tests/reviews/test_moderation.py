"""Moderation: anyone signed in reports a visible review once; staff hide or keep it with a
recorded reason; refusals change nothing."""

from datetime import timedelta

import pytest

from headstrt.messaging.models import Notification
from headstrt.reviews import selectors, services
from headstrt.reviews.models import ReportResolution, Review, ReviewReport
from tests.reviews.reviewing import review, snapshot
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def revealed(done_session, mentor, mentee):
    """The mentee's review of the mentor and the mentor's of the mentee, both revealed."""
    return (
        review(done_session, mentee, 1, text="Awful, and here is his phone number"),
        review(done_session, mentor.user, 5, text="Lovely"),
    )


def refused_unchanged(code, call, **kwargs):
    before = snapshot()
    error = refused(code, call, **kwargs)
    assert snapshot() == before
    return error


def test_anyone_signed_in_reports_a_visible_review_once(revealed, outsider, mentor):
    written = revealed[0]
    report = services.review_report(reporter=outsider, review_id=written.public_id, reason="Doxx")
    assert report.review == written and report.resolved_at is None
    services.review_report(reporter=mentor.user, review_id=written.public_id, reason="Abuse")

    error = refused_unchanged(
        "already_reported",
        services.review_report,
        reporter=outsider,
        review_id=written.public_id,
        reason="Again",
    )
    assert error.status == 409
    assert list(selectors.reports_open()) == list(ReviewReport.objects.order_by("id"))


def test_a_blind_or_unknown_review_cannot_be_reported(done_session, mentee, outsider, mentor):
    blind = review(done_session, mentee, 1)
    for reporter in (outsider, mentor.user):
        refused_unchanged(
            "not_found",
            services.review_report,
            reporter=reporter,
            review_id=blind.public_id,
            reason="x",
        )
    refused_unchanged(
        "not_found", services.review_report, reporter=outsider, review_id="nope", reason="x"
    )


def test_a_report_needs_a_reason_and_not_ones_own_review(revealed, outsider, mentee):
    refused_unchanged(
        "invalid",
        services.review_report,
        reporter=outsider,
        review_id=revealed[0].public_id,
        reason="   ",
    )
    refused_unchanged(
        "invalid",
        services.review_report,
        reporter=outsider,
        review_id=revealed[0].public_id,
        reason="x" * 2001,
    )
    refused_unchanged(
        "own_review",
        services.review_report,
        reporter=mentee,
        review_id=revealed[0].public_id,
        reason="Oops",
    )


def test_staff_hide_a_review_with_a_reason_and_its_author_is_told(
    revealed, outsider, staff, mentee, mentor, committed, frozen
):
    written = revealed[0]
    services.review_report(reporter=outsider, review_id=written.public_id, reason="Doxx")
    frozen.move(hours=1)
    with committed():
        services.review_hide(staff=staff, review_id=written.public_id, reason="Personal data")

    written.refresh_from_db()
    assert (written.hidden_at, written.hidden_by, written.hidden_reason) == (
        frozen.now,
        staff,
        "Personal data",
    )
    report = ReviewReport.objects.get()
    assert report.resolution == ReportResolution.HIDDEN and report.resolved_by == staff
    assert report.resolution_note == "Personal data" and report.resolved_at == frozen.now
    assert not selectors.reports_open().exists()
    [told] = Notification.objects.filter(kind="review.hidden")
    assert told.recipient == mentee and "Personal data" in told.body
    assert list(selectors.reviews_visible_of(mentor.user_id)) == []
    refused_unchanged(
        "already_hidden",
        services.review_hide,
        staff=staff,
        review_id=written.public_id,
        reason="Again",
    )


def test_staff_keep_a_review_resolving_its_reports(revealed, outsider, staff, mentor):
    written = revealed[0]
    services.review_report(reporter=outsider, review_id=written.public_id, reason="Unfair")
    services.review_keep(staff=staff, review_id=written.public_id, reason="Honest opinion")

    report = ReviewReport.objects.get()
    assert (report.resolution, report.resolution_note) == (ReportResolution.KEPT, "Honest opinion")
    assert Review.objects.get(pk=written.pk).hidden_at is None
    assert list(selectors.reviews_visible_of(mentor.user_id)) == [written]
    refused_unchanged(
        "no_open_reports",
        services.review_keep,
        staff=staff,
        review_id=written.public_id,
        reason="Again",
    )


def test_only_staff_moderate_and_a_reason_is_required(revealed, outsider, staff):
    written = revealed[0]
    services.review_report(reporter=outsider, review_id=written.public_id, reason="Unfair")
    for decide in (services.review_hide, services.review_keep):
        error = refused_unchanged(
            "forbidden", decide, staff=outsider, review_id=written.public_id, reason="Mine"
        )
        assert error.status == 403
        refused_unchanged("invalid", decide, staff=staff, review_id=written.public_id, reason="")
        refused_unchanged("not_found", decide, staff=staff, review_id="nope", reason="x")


def test_staff_can_hide_a_review_nobody_reported_even_while_blind(
    done_session, mentee, staff, frozen
):
    blind = review(done_session, mentee, 3)
    services.review_hide(staff=staff, review_id=blind.public_id, reason="Spam")
    frozen.set(done_session.end + timedelta(days=15))
    assert not Review.objects.filter(selectors.visible(frozen.now)).exists()
    assert services.reviews_announce_revealed() == 0
