"""Fixtures for the dispute tests: the scheduling tests' clock, Paris mentor, Tokyo mentee and
``committed`` block; a pool of mediators, some tied to the mentor or the mentee; and their
paid session, done, with the clock just after its end.

Services are imported inside the fixtures, so the test task backend is in place first (see
tests/scheduling/conftest.py)."""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.scheduling.conftest import committed, frozen, mentee, mentor  # noqa: F401


@dataclass
class Pool:
    """The mediators: ``neutral`` ones with no tie to either party, ``by_session`` who had a
    session with the mentor, and ``two_hops`` who had a session with ``other_mentor``, who
    had one with the mentee. The tied ones were added first (lowest ids, no cases), so only
    neutrality keeps them off a case."""

    neutral: list
    by_session: object
    two_hops: object
    other_mentor: object

    @property
    def tied(self) -> list:
        return [self.by_session, self.two_hops]


def mediator(**user):
    """A new person in the mediators' pool."""
    from headstrt.disputes.models import Mediator
    from tests.factories import UserFactory

    return Mediator.objects.create(user=UserFactory(**user))


@pytest.fixture
def pool(frozen, mentor, mentee):  # noqa: F811 - the fixtures imported above
    from headstrt.disputes.models import Mediator
    from tests.scheduling.sessions import TUESDAY_9, book, paris_mentor

    by_session, two_hops = mediator(display_name="Sam Session"), mediator(display_name="Tia Two")
    book(mentor, by_session.user, start=TUESDAY_9 + timedelta(hours=1))
    other = paris_mentor(name="Omar Other", email="omar@example.org")
    book(other, mentee, start=TUESDAY_9 + timedelta(hours=2))
    book(other, two_hops.user, start=TUESDAY_9 + timedelta(hours=1))
    neutral = [mediator(display_name=f"Neutral {n}") for n in range(3)]
    assert Mediator.objects.count() == 5
    return Pool(neutral=neutral, by_session=by_session, two_hops=two_hops, other_mentor=other)


@pytest.fixture
def session(frozen, pool, mentor, mentee):  # noqa: F811
    """The mentor's and the mentee's paid session (40.00 EUR), marked done; the clock is 5
    minutes after its end."""
    from headstrt.scheduling import services
    from tests.scheduling.sessions import TUESDAY_9, book

    booking = book(mentor, mentee)
    frozen.set(TUESDAY_9 + timedelta(minutes=35))
    services.booking_complete(user=mentee, booking_id=booking.public_id)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def staff(db):
    from tests.factories import UserFactory

    return UserFactory(display_name="Stella Staff", is_staff=True)
