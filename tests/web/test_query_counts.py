"""The key pages cost a fixed number of queries, whatever the amount of data: each page is
counted with a little of everything, then again with several times more (other mentors,
past and upcoming sessions, reviews, outcomes, notifications, conversations and messages),
and both counts must equal the pinned one. benchmarks/pages.py times the same pages on
100,000 people and 1,000,000 sessions."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from headstrt.messaging import conversations
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import SchedulingPolicy
from tests.clock import Clock
from tests.dashboards.seed import outcome, review, session
from tests.factories import ExpertiseEntryFactory, TopicFactory, UserFactory
from tests.scheduling.sessions import NOW, TUESDAY_9, book, paris_mentor, tokyo_mentee

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch) -> Clock:
    return Clock(monkeypatch, NOW)


# Each page's queries; a signed-in person's include the session, the person and the unread
# notifications badge.
PINNED = {
    "home": 4,
    "directory": 7,
    "directory search": 7,
    "mentor page": 5,
    "booking page": 15,  # the mentor has a scheduling policy of their own
    "my sessions": 6,
    "my past sessions": 6,
    "my sessions as mentor": 6,
    "session page": 11,
    "mentor dashboard": 8,
    "notifications": 5,
    "conversations": 5,
}


# Up to 40 growth steps: one upcoming session each, Tuesday to Saturday of the week the
# booking page shows first (this one), an hour apart from 10:00 Paris time.
GROWTH_DAYS = 5


def _open_all_week(mentor) -> None:
    """Free every day 08:00-20:00 Paris time, with room for a session an hour."""
    scheduling.availability_set(user=mentor.user, rules=[(d, time(8), time(20)) for d in range(7)])
    SchedulingPolicy.objects.create(
        mentor=mentor, max_sessions_per_day=24, max_sessions_per_week=100
    )


class World:
    """A mentor and a mentee of the same city of the taxonomy, and what grows around them:
    where each page reads it (the booking page's week, the session's conversation)."""

    def __init__(self):
        self.topic = TopicFactory(name="Salary negotiation")
        self.mentor = paris_mentor()
        _open_all_week(self.mentor)
        ExpertiseEntryFactory(mentor=self.mentor, topic=self.topic, description="Raises")
        self.mentee = tokyo_mentee()
        self.session = book(self.mentor, self.mentee)
        self.talk = conversations.conversation_open(
            user=self.mentee, booking_id=self.session.public_id
        )
        self.grown = 0

    def grow(self, count: int) -> None:
        """``count`` more of everything around the mentor and the mentee."""
        for n in range(self.grown, self.grown + count):
            other = paris_mentor(name=f"Mentor {n}", email=f"mentor{n}@example.org")
            _open_all_week(other)
            ExpertiseEntryFactory(mentor=other, topic=self.topic, description="Salary talks")
            past = NOW - timedelta(days=3 + 2 * n)
            for mentor, mentee in ((self.mentor, UserFactory()), (other, self.mentee)):
                done = session(mentor, mentee, past)
                review(done, stars=4 + n % 2, revealed=past + timedelta(days=1))
                outcome(done, "reached")
            # Upcoming, in the week the booking page shows: the mentor's with someone else,
            # the mentee's with another mentor.
            start = TUESDAY_9 + timedelta(days=n % GROWTH_DAYS, hours=1 + n // GROWTH_DAYS)
            booked = book(self.mentor, UserFactory(), start=start)
            mine = book(other, self.mentee, start=start)
            for booking, author in ((booked, booked.mentee), (mine, self.mentee)):
                opened = conversations.conversation_open(user=author, booking_id=booking.public_id)
                conversations.message_post(
                    user=author, conversation_id=opened.public_id, body="See you then."
                )
            # The session's own conversation, which its page reads.
            writer = self.mentee if n % 2 else self.mentor.user
            conversations.message_post(
                user=writer, conversation_id=self.talk.public_id, body=f"Note {n}"
            )
        self.grown += count

    def pages(self) -> dict[str, tuple[object, str]]:
        """Page name → (who asks, or None for anonymous; the address)."""
        mentor_id = self.mentor.user.public_id
        return {
            "home": (None, reverse("web:home")),
            "directory": (None, reverse("web:mentor_directory")),
            "directory search": (None, reverse("web:mentor_directory") + "?q=salary"),
            "mentor page": (None, reverse("web:mentor_detail", args=[mentor_id])),
            "booking page": (self.mentee, reverse("web:book", args=[mentor_id])),
            "my sessions": (self.mentee, reverse("web:session_list")),
            "my past sessions": (self.mentee, reverse("web:session_list") + "?tab=past"),
            "my sessions as mentor": (self.mentor.user, reverse("web:session_list")),
            "session page": (
                self.mentee,
                reverse("web:session_detail", args=[self.session.public_id]),
            ),
            "mentor dashboard": (self.mentor.user, reverse("web:mentor_dashboard")),
            "notifications": (self.mentor.user, reverse("web:notifications")),
            "conversations": (self.mentee, reverse("web:conversations")),
        }


def counts(client, world: World) -> dict[str, int]:
    """Each page's number of queries, asked once before counting (as a warm server is)."""
    found = {}
    for name, (person, address) in world.pages().items():
        if person is None:
            client.logout()
        else:
            client.force_login(person)
        assert client.get(address).status_code == 200, name
        with CaptureQueriesContext(connection) as captured:
            response = client.get(address)
        assert response.status_code == 200, name
        found[name] = len(captured)
    return found


def test_key_pages_cost_a_fixed_number_of_queries(client, frozen):
    world = World()
    world.grow(1)
    few = counts(client, world)

    world.grow(11)
    many = counts(client, world)

    assert many == few
    assert few == PINNED


def test_the_pages_counted_show_the_data_that_grew(client, frozen):
    world = World()
    world.grow(5)
    client.force_login(world.mentee)

    sessions = client.get(reverse("web:session_list") + "?tab=past")
    directory = client.get(reverse("web:mentor_directory") + "?q=salary")
    inbox = client.get(reverse("web:conversations"))

    assert len(sessions.context["rows"]) == 5
    assert len(directory.context["page"].items) == 6
    assert inbox.content.decode().count("See you then.") >= 5
    # The booking page's week holds the mentor's five other sessions, and the session's
    # page its conversation.
    picker = client.get(reverse("web:book", args=[world.mentor.user.public_id]))
    week = picker.context["week"]
    assert week == TUESDAY_9.date() - timedelta(days=1)
    taken = {
        TUESDAY_9 + timedelta(days=n % GROWTH_DAYS, hours=1 + n // GROWTH_DAYS) for n in range(5)
    }
    assert all(week < start.date() < week + timedelta(days=6) for start in taken)
    offered = {slot.start for day in picker.context["days"] for slot in day.slots}
    assert offered and not offered & taken
    detail = client.get(reverse("web:session_detail", args=[world.session.public_id]))
    assert detail.status_code == 200
