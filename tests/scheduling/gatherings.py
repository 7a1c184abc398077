"""Shared set-up for the panel and group session tests: mentors in four time zones whose
Tuesday hours all fall on 08:00–11:00 UTC, holding panels and offering group sessions
through the services, a snapshot of everything a refused action must leave alone, and
running calls at the same moment for the race tests."""

import threading
from collections.abc import Callable
from datetime import time, timedelta

from django.db import connections

from headstrt.core.errors import DomainError
from headstrt.messaging.models import Notification
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, GroupSession, Panel, ReliabilityEvent
from tests.factories import MentorProfileFactory, UserFactory
from tests.scheduling.sessions import TUESDAY_9

# Each zone's Tuesday hours that are 08:00–11:00 UTC on 5 March 2030 (New York is on
# standard time until the 10th; Kolkata is +05:30 and Kathmandu +05:45).
PANEL_HOURS = {
    "Europe/Paris": (time(9), time(12)),
    "Asia/Kolkata": (time(13, 30), time(16, 30)),
    "Asia/Kathmandu": (time(13, 45), time(16, 45)),
    "America/New_York": (time(3), time(6)),
}
NAMES = {
    "Europe/Paris": "Nia Negotiator",
    "Asia/Kolkata": "Omar Ortiz",
    "Asia/Kathmandu": "Pia Planner",
    "America/New_York": "Quinn Quarry",
}
# A Wednesday morning outside the mentors' weekly hours: group sessions need none.
WEDNESDAY_10 = TUESDAY_9 + timedelta(days=1, hours=2)


def zoned_mentor(zone, hours=None, *, weekday=1, offers=None, name=None, policy=None, **extra):
    """A mentor in ``zone`` free on ``weekday`` during ``hours`` (local), offering 30 and 60
    minutes for free unless ``offers`` says otherwise, with an optional scheduling policy."""
    start, end = hours or PANEL_HOURS[zone]
    profile = MentorProfileFactory(
        offers=offers or {30: 0, 60: 0},
        user__time_zone=zone,
        user__display_name=name or NAMES.get(zone, zone),
        **extra,
    )
    services.availability_set(user=profile.user, rules=[(weekday, start, end)])
    if policy:
        services.scheduling_policy_save(user=profile.user, **policy)
    return profile


def panelists(count=4, **extra):
    """``count`` mentors, one in each of the panel zones, sharing Tuesday 08:00–11:00 UTC."""
    return [zoned_mentor(zone, **extra) for zone in list(PANEL_HOURS)[:count]]


def ids(mentors):
    return [mentor.user.public_id for mentor in mentors]


def panel_hold(mentee, mentors, start=TUESDAY_9, minutes=30, **extra):
    """``mentee`` holds ``mentors`` for one panel through the services."""
    return services.panel_hold(
        mentee=mentee, mentor_ids=ids(mentors), start=start, minutes=minutes, **extra
    )


def panel_book(mentee, mentors, start=TUESDAY_9, minutes=30, objective="Hear three views"):
    """Hold and check out a free panel."""
    panel = panel_hold(mentee, mentors, start=start, minutes=minutes)
    return services.panel_checkout(mentee=mentee, panel_id=panel.public_id, objective=objective)


def group_offer(mentor, start=WEDNESDAY_10, minutes=60, capacity=3, price_minor=0, **extra):
    """``mentor`` offers a group session through the services."""
    return services.group_session_offer(
        mentor=mentor.user,
        title=extra.pop("title", "Negotiating your first raise"),
        start=start,
        minutes=minutes,
        capacity=capacity,
        price_minor=price_minor,
        **extra,
    )


def seat_book(group, mentee=None, objective="Learn to ask"):
    """Hold and check out a free seat; a new mentee unless one is given."""
    mentee = mentee or UserFactory(time_zone="Asia/Tokyo")
    seat = services.group_seat_hold(mentee=mentee, group_id=group.public_id)
    return services.booking_checkout(mentee=mentee, booking_id=seat.public_id, objective=objective)


def state() -> tuple:
    """Everything a panel or group action could change, to show a refused one did not."""
    return (
        sorted(
            Booking.objects.values_list(
                "public_id", "status", "held_until", "objective", "panel_id", "group_id"
            )
        ),
        sorted(Panel.objects.values_list("public_id", "start")),
        sorted(GroupSession.objects.values_list("public_id", "status", "start")),
        ReliabilityEvent.objects.count(),
        Notification.objects.count(),
    )


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Start ``calls`` together, each on a thread with its own database connection; each
    one's result, or the ``DomainError`` it raised. Any other exception fails the race."""
    start = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)
    crashes: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            start.wait()
            outcomes[index] = call()
        except DomainError as refused:
            outcomes[index] = refused
        except BaseException as crash:  # noqa: BLE001 - reported by the assertion below
            crashes.append(crash)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashes, crashes
    return outcomes
