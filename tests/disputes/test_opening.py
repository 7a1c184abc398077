"""Who may open a dispute, when, and with what: refusals change nothing."""

from datetime import timedelta

import pytest

from headstrt.disputes import services
from headstrt.scheduling import services as scheduling
from tests.disputes.cases import case_state, open_dispute
from tests.factories import UserFactory
from tests.scheduling.sessions import TUESDAY_9, book, refused

pytestmark = pytest.mark.django_db


def test_the_mentor_can_open_one_too(session, mentor, mentee):
    dispute = open_dispute(session, mentor.user, wanted="release", reason="no_show")
    assert (dispute.opener_party, dispute.respondent) == ("mentor", mentee)
    assert dispute.wanted_mentor_percent == 100


def test_a_dispute_before_the_start_or_after_the_window_is_refused(frozen, pool, mentor, mentee):
    booking = book(mentor, mentee)
    before = case_state()
    frozen.set(TUESDAY_9 - timedelta(minutes=1))
    refused("session_not_started", open_dispute, booking=booking, by=mentee)
    # At the window's end the escrow may already be released to the mentor: closed.
    frozen.set(booking.end + timedelta(hours=72))
    error = refused("dispute_window_closed", open_dispute, booking=booking, by=mentee)
    assert "72 hours" in error.message and error.status == 409
    assert case_state() == before
    frozen.set(booking.end + timedelta(hours=72, seconds=-1))
    open_dispute(booking, mentee)  # the last moment of the window


def test_a_second_dispute_on_the_same_session_is_refused(session, mentor, mentee):
    open_dispute(session, mentee)
    before = case_state()
    refused("dispute_exists", open_dispute, booking=session, by=mentor.user)
    refused("dispute_exists", open_dispute, booking=session, by=mentee)
    assert case_state() == before


def test_someone_not_in_the_session_gets_not_found(session, pool, staff):
    before = case_state()
    for stranger in (UserFactory(), pool.neutral[0].user, staff):
        refused("not_found", open_dispute, booking=session, by=stranger)
    refused(
        "not_found",
        services.dispute_open,
        user=staff,
        booking_id={"id": 1},
        reason="quality",
        description="x",
        wanted="refund",
    )
    assert case_state() == before


def test_a_cancelled_session_cannot_be_disputed(frozen, pool, mentor, mentee):
    booking = book(mentor, mentee)
    scheduling.booking_cancel(user=mentee, booking_id=booking.public_id, reason="")
    frozen.set(booking.start + timedelta(minutes=5))
    before = case_state()
    refused("not_disputable", open_dispute, booking=booking, by=mentee)
    assert case_state() == before


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"wanted": "split", "percent": 150}, "invalid_percent"),
        ({"wanted": "split", "percent": -5}, "invalid_percent"),
        ({"wanted": "split", "percent": 12.5}, "invalid_percent"),
        ({"wanted": "split", "percent": None}, "invalid_percent"),
        ({"wanted": "split", "percent": 100}, "invalid_percent"),
        ({"wanted": "refund", "percent": 40}, "invalid_percent"),
        ({"wanted": "everything"}, "invalid"),
        ({"reason": "boredom"}, "invalid"),
        ({"description": ""}, "invalid"),
        ({"description": "x" * 4001}, "invalid"),
        ({"description": None}, "invalid"),
    ],
)
def test_bad_input_is_refused(session, mentee, fields, code):
    before = case_state()
    error = refused(code, open_dispute, booking=session, by=mentee, **fields)
    assert error.status == 422
    assert case_state() == before


def test_a_split_is_recorded_as_asked(session, mentee):
    dispute = open_dispute(session, mentee, wanted="split", percent=30)
    assert (dispute.wanted, dispute.wanted_mentor_percent) == ("split", 30)
