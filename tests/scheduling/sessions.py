"""Shared set-up for the scheduling tests (services, notices, calendars, reminders, web pages):
a mentor in Paris and a mentee in Tokyo, holding and booking through the services, checking a
refusal, and reading the calendar invites that were emailed. tests/scheduling/conftest.py makes
fixtures of the people."""

from datetime import UTC, datetime, time
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from headstrt.core.errors import DomainError
from headstrt.scheduling import services
from tests.factories import MentorProfileFactory, UserFactory

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday; Paris is UTC+1, Tokyo UTC+9
TUESDAY_9 = datetime(2030, 3, 5, 8, 0, tzinfo=UTC)  # 09:00 in Paris, 17:00 in Tokyo


def paris_mentor(name="Nia Negotiator", email="nia@example.org", offers=None, **extra):
    """A mentor in Paris, free on Tuesdays 09:00–12:00, offering 30 and 60 minutes (at
    40.00 and 70.00 unless ``offers`` says otherwise)."""
    profile = MentorProfileFactory(
        offers=offers or {30: 4000, 60: 7000},
        user__time_zone="Europe/Paris",
        user__display_name=name,
        user__email=email,
        **extra,
    )
    services.availability_set(user=profile.user, rules=[(1, time(9), time(12))])
    return profile


def tokyo_mentee(**extra):
    return UserFactory(
        display_name="Mia Mentee", time_zone="Asia/Tokyo", email="mia@example.org", **extra
    )


def hold(mentor, mentee, start=TUESDAY_9, minutes=30, **extra):
    """``mentee`` holds a slot with ``mentor`` through the services, not yet checked out."""
    return services.booking_hold(
        mentee=mentee, mentor_id=mentor.user.public_id, start=start, minutes=minutes, **extra
    )


GOOD_CARD = "4242424242424242"  # the built-in test provider's card that always pays


def book(mentor, mentee, start=TUESDAY_9, minutes=30, objective="Ask for 15% more", **extra):
    """Book in one call; a paid session is paid with the test card."""
    return services.booking_create(
        mentee=mentee,
        mentor_id=mentor.user.public_id,
        start=start,
        minutes=minutes,
        objective=objective,
        **{"source": GOOD_CARD, **extra},
    )


def refused(code, call, **kwargs) -> DomainError:
    """``call(**kwargs)`` must fail with ``code``; the error, for more checks."""
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


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
