"""Fixtures for the review tests: the scheduling tests' clock, Paris mentor and Tokyo mentee,
and a paid session between them that took place and was marked done.

Services are imported inside the fixtures, so the test task backend is in place first (see
tests/scheduling/conftest.py)."""

from datetime import timedelta

import pytest

from tests.scheduling.conftest import committed, frozen, mentee, mentor  # noqa: F401

# The session of ``done_session`` ends at 08:30 UTC on Tuesday 5 March 2030.
SESSION_MINUTES = 30


@pytest.fixture
def done_session(frozen, mentor, mentee):  # noqa: F811
    """The mentee's paid 30-minute session with the mentor on Tuesday 09:00 Paris, marked
    done by the mentor right after it ended; the clock stands just after that."""
    from headstrt.scheduling import services
    from tests.scheduling.sessions import TUESDAY_9, book

    booking = book(mentor, mentee, minutes=SESSION_MINUTES)
    frozen.set(booking.end + timedelta(minutes=1))
    services.booking_complete(user=mentor.user, booking_id=booking.public_id)
    booking.refresh_from_db()
    assert booking.start == TUESDAY_9
    return booking


@pytest.fixture
def outsider(db):
    from tests.factories import UserFactory

    return UserFactory(display_name="Oscar Outsider", email="oscar@example.org")


@pytest.fixture
def staff(db):
    from tests.factories import UserFactory

    return UserFactory(display_name="Sam Staff", email="sam@example.org", is_staff=True)
