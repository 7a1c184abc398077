"""iCalendar for sessions: the invites sent by email and each person's private calendar feed."""

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from icalendar import Calendar, Event, vCalAddress, vDuration

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.scheduling.models import Booking, BookingStatus, CalendarFeed
from headstrt.scheduling.video import video_room_url

PRODID = "-//Headstrt//Sessions//EN"
METHODS = ("REQUEST", "CANCEL")
# A feed shows the last month too, so a session just done is still there to look back at.
FEED_PAST = timedelta(days=30)
# How often a calendar app should fetch the feed again (a hint: many apps pick their own).
FEED_REFRESH = timedelta(hours=1)
# Sessions that take or took place; a feed shows them as confirmed.
_TAKING_PLACE = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def session_path(booking: Booking) -> str:
    """The path of the session's page on the web app."""
    return reverse("web:session_detail", args=[booking.public_id])


def session_url(booking: Booking) -> str:
    """The full address of the session's page, for email and calendars."""
    return settings.SITE_URL + session_path(booking)


def calendar_feed_url(token: str) -> str:
    """The address a calendar app subscribes to for the feed with ``token``."""
    return settings.SITE_URL + reverse("web:calendar_feed", args=[token])


def calendar_feed_of(user: User) -> CalendarFeed | None:
    """The person's calendar feed, if they have one (its token is not stored)."""
    return CalendarFeed.objects.filter(user=user).first()


def booking_invite(booking: Booking, *, method: str, viewer: User | None = None) -> bytes:
    """An iCalendar invite for ``booking``: ``REQUEST`` adds or updates the event in the
    participants' calendars, ``CANCEL`` removes it.

    The UID never changes and ``SEQUENCE`` is the booking's, so calendars update the one
    event in place. With ``viewer`` (the recipient) the title names the other participant
    and the viewer is the one attendee: nobody's email address is shown to the other side.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    calendar = _calendar()
    calendar.add("method", method)
    calendar.add_component(
        _event(
            booking,
            viewer=viewer,
            cancelled=method == "CANCEL",
            stamp=clock.now(),
            attendee=viewer,
        )
    )
    return calendar.to_ical()


def person_feed(user: User) -> bytes:
    """The person's calendar feed: their sessions as mentor or mentee from 30 days ago on,
    with cancelled sessions marked cancelled so subscribed calendars drop them.

    Email addresses are left out: the feed's address is a bearer secret that may leak, and
    it should then reveal as little as possible.
    """
    bookings = (
        Booking.objects.select_related("mentor__user", "mentee")
        .filter(Q(mentee=user) | Q(mentor__user=user), start__gte=clock.now() - FEED_PAST)
        .filter(
            Q(status__in=_TAKING_PLACE)
            | Q(status=BookingStatus.CANCELLED, confirmed_at__isnull=False)
        )
        .order_by("start")
    )
    calendar = _calendar()
    calendar.add("name", "Headstrt")
    calendar.add("x-wr-calname", "Headstrt")
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    for booking in bookings:
        calendar.add_component(
            _event(
                booking,
                viewer=user,
                cancelled=booking.status == BookingStatus.CANCELLED,
                stamp=booking.updated_at,
                attendee=None,
            )
        )
    return calendar.to_ical()


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _summary(booking: Booking, viewer: User | None) -> str:
    mentor, mentee = booking.mentor.user, booking.mentee
    if viewer is None:
        return f"Headstrt: {mentee.display_name} with {mentor.display_name}"
    other = mentee if viewer.pk == mentor.pk else mentor
    return f"Headstrt session with {other.display_name}"


def _description(booking: Booking) -> str:
    lines = []
    if booking.objective:
        lines.append(f"Objective: {booking.objective}")
    if booking.agenda:
        lines += ["", "Agenda:", booking.agenda]
    if lines:
        lines.append("")
    lines += [
        f"Session page: {session_url(booking)}",
        f"Video call: {video_room_url(booking)}",
    ]
    return "\n".join(lines)


def _address(email: str, name: str, **parameters: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    for key, value in parameters.items():
        address.params[key.upper()] = value
    return address


def _organizer() -> vCalAddress:
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return _address(email, name or "Headstrt")


def _event(
    booking: Booking,
    *,
    viewer: User | None,
    cancelled: bool,
    stamp: datetime,
    attendee: User | None,
) -> Event:
    event = Event()
    event.add("uid", f"{booking.public_id}@headstrt")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", _utc(stamp))
    event.add("created", _utc(booking.created_at))
    event.add("last-modified", _utc(booking.updated_at))
    event.add("dtstart", _utc(booking.start))
    event.add("dtend", _utc(booking.end))
    event.add("summary", _summary(booking, viewer))
    event.add("description", _description(booking))
    event.add("location", video_room_url(booking))
    event.add("url", session_url(booking))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if attendee is not None:
        event.add("organizer", _organizer())
        # Nobody answers the invite by email: the session page is where it is changed.
        event.add(
            "attendee",
            _address(
                attendee.email,
                attendee.display_name,
                role="REQ-PARTICIPANT",
                partstat="ACCEPTED",
                rsvp="FALSE",
            ),
        )
    return event
