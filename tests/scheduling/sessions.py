"""Shared set-up for the notice, calendar and reminder tests: a movable clock, a mentor in
Paris and a mentee in Tokyo, booking through the services, and reading what was emailed."""

from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage

from icalendar import Calendar

from headstrt.core import clock
from headstrt.scheduling import services
from tests.factories import MentorProfileFactory, UserFactory

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday; Paris is UTC+1, Tokyo UTC+9
TUESDAY_9 = datetime(2030, 3, 5, 8, 0, tzinfo=UTC)  # 09:00 in Paris, 17:00 in Tokyo


class Clock:
    """The platform's clock, frozen and moved by the test."""

    def __init__(self, monkeypatch, now: datetime = NOW):
        self.now = now
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def move(self, **delta) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


def paris_mentor(**extra):
    """A mentor in Paris, free on Tuesdays 09:00–12:00, offering 30 and 60 minutes."""
    people = {"user__display_name": "Nia Negotiator", "user__email": "nia@example.org"}
    profile = MentorProfileFactory(
        offers={30: 4000, 60: 7000}, user__time_zone="Europe/Paris", **{**people, **extra}
    )
    services.availability_set(user=profile.user, rules=[(1, time(9), time(12))])
    return profile


def tokyo_mentee(**extra):
    return UserFactory(
        display_name="Mia Mentee", time_zone="Asia/Tokyo", email="mia@example.org", **extra
    )


def book(mentor, mentee, start=TUESDAY_9, minutes=30, objective="Ask for 15% more", **extra):
    return services.booking_create(
        mentee=mentee,
        mentor_id=mentor.user.public_id,
        start=start,
        minutes=minutes,
        objective=objective,
        **extra,
    )


def invites(message: EmailMessage) -> list[tuple[str, str, Calendar]]:
    """The calendar attachments of ``message``: (file name, METHOD parameter, parsed)."""
    found = []
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            calendar = Calendar.from_ical(part.get_content())
            found.append((part.get_filename(), part.get_param("method"), calendar))
    return found


def event_of(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event
