"""What participants are told when a booking changes: in-app notices, email, calendar invites.

Each change tells the people it concerns, on their own clock. Whoever made the change is
not notified of their own action, but gets the updated calendar invite by email when
their calendar must change too. Reminders and the request deadline are scheduled here.

A panel's mentee hears of the whole panel at once, and a group session's mentor of it once,
not once for each of its bookings; each booking keeps its own calendar event.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from zoneinfo import ZoneInfo

from django.utils import dateformat

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError
from headstrt.core.wording import names_in_words
from headstrt.messaging.services import email_send, notification_send
from headstrt.scheduling import tasks
from headstrt.scheduling.calendar import booking_invite, session_path
from headstrt.scheduling.models import (
    Booking,
    BookingStatus,
    GroupSession,
    Panel,
    ReminderKind,
)
from headstrt.scheduling.slots import zone_of
from headstrt.scheduling.video import video_room_url

_DAY = "l j F Y"
_TIME = "H:i"


@dataclass(frozen=True)
class _Change:
    booking: Booking
    actor_id: int | None

    @property
    def mentor(self) -> User:
        return self.booking.mentor.user

    @property
    def mentee(self) -> User:
        return self.booking.mentee

    @property
    def actor(self) -> User | None:
        return {self.mentor.pk: self.mentor, self.mentee.pk: self.mentee}.get(self.actor_id)

    def other_than(self, person: User) -> User:
        return self.mentee if person.pk == self.mentor.pk else self.mentor

    @property
    def counterpart(self) -> User | None:
        """The other side of whoever made the change; ``None`` when no participant made it."""
        actor = self.actor
        return None if actor is None else self.other_than(actor)

    @property
    def told(self) -> list[User]:
        """Who hears of the change: the actor's counterpart, or both when no participant made it."""
        counterpart = self.counterpart
        return [counterpart] if counterpart is not None else [self.mentor, self.mentee]


def booking_changed(booking: Booking, change: str, *, by: User | None = None) -> None:
    """Tell the people concerned that ``booking`` went through ``change`` (one of
    ``confirmed``, ``requested``, ``accepted``, ``declined``, ``expired``, ``rescheduled``,
    ``cancelled``, ``completed``, ``no_show``); ``by`` is who made a reschedule.

    Runs after the change is committed.
    """
    handler = _HANDLERS.get(change)
    if handler is None:
        raise ValueError(f"Unknown booking change {change!r}.")
    actor_id = by.pk if by is not None else booking.ended_by_id
    handler(_Change(booking, actor_id))


def booking_reminded(booking: Booking, kind: str) -> None:
    """Remind both participants that ``booking`` starts in 24 hours or 15 minutes; a
    panel's mentee and a group session's mentor through its first booking only."""
    change = _Change(booking, None)
    soon = "in 15 minutes" if kind == ReminderKind.QUARTER_HOUR_BEFORE else "in 24 hours"
    people = [change.mentor, change.mentee]
    if booking.panel_id is not None and not _first_of(booking, panel=booking.panel_id):
        people.remove(change.mentee)
    if booking.group_id is not None and not _first_of(booking, group=booking.group_id):
        people.remove(change.mentor)
    for person in people:
        other = change.other_than(person).display_name
        _tell(
            person,
            booking,
            "booking.reminder",
            f"Reminder: your session with {other} starts {soon}",
            f"Your {booking.minutes}-minute session with {other} starts {soon}, "
            f"on {_when(booking, person)}." + _objective(booking) + _joining(booking),
        )


def _first_of(booking: Booking, **together: int) -> bool:
    """Whether ``booking`` is the first confirmed one of its panel or group session."""
    first = (
        Booking.objects.filter(status=BookingStatus.CONFIRMED, **together)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return first == booking.pk


# Formatting


def _clock(person: User) -> tuple[ZoneInfo, str]:
    """The person's time zone and its name; UTC when theirs is unknown, so the notice goes."""
    try:
        return zone_of(person.time_zone), person.time_zone
    except DomainError:
        return ZoneInfo("UTC"), "UTC"


def _day_and_time(moment: datetime) -> str:
    return f"{dateformat.format(moment, _DAY)}, {dateformat.format(moment, _TIME)}"


def _when(booking: Booking, person: User) -> str:
    """The session's date and time on ``person``'s clock, e.g. ``Tuesday 5 March 2030,
    10:00–10:30 (Europe/Paris)``."""
    zone, name = _clock(person)
    end = dateformat.format(booking.end.astimezone(zone), _TIME)
    return f"{_day_and_time(booking.start.astimezone(zone))}–{end} ({name})"


def _moment(moment: datetime, person: User) -> str:
    zone, name = _clock(person)
    return f"{_day_and_time(moment.astimezone(zone))} ({name})"


def _objective(booking: Booking) -> str:
    return f"\n\nObjective: {booking.objective}" if booking.objective else ""


def _reason(booking: Booking, person: User | None) -> str:
    if not booking.end_reason:
        return ""
    who = f"{person.display_name}'s note" if person is not None else "Note"
    return f"\n\n{who}: {booking.end_reason}"


def _joining(booking: Booking) -> str:
    return (
        f"\n\nJoin the video call from the session page, or directly at {video_room_url(booking)}"
    )


_INVITE_ADDED = "\n\nThe attached invite adds the session to your calendar."
_INVITE_UPDATED = "\n\nThe attached invite updates the session in your calendar."
_INVITE_REMOVED = "\n\nThe attached update removes the session from your calendar."


# Sending


def _attachments(booking: Booking, person: User, method: str | None) -> tuple:
    if method is None:
        return ()
    name = "cancel.ics" if method == "CANCEL" else "invite.ics"
    content = booking_invite(booking, method=method, viewer=person)
    return ((name, content, f"text/calendar; method={method}"),)


def _tell(
    person: User,
    booking: Booking,
    kind: str,
    title: str,
    body: str,
    *,
    invite: str | None = None,
    url: str | None = None,
) -> None:
    notification_send(
        recipient=person,
        kind=kind,
        title=title,
        body=body,
        url=session_path(booking) if url is None else url,
        attachments=_attachments(booking, person, invite),
    )


def _receipt(person: User, booking: Booking, title: str, body: str, *, invite: str) -> None:
    """Email the person who made a change the calendar invite that follows from it."""
    email_send(
        recipient=person,
        title=title,
        body=body,
        url=session_path(booking),
        attachments=_attachments(booking, person, invite),
    )


# One handler per change (those telling one participant in set words are built by _told)


def _tell_mentee_confirmed(change: _Change, kind: str, title: str) -> None:
    booking, mentee = change.booking, change.mentee
    _tell(
        mentee,
        booking,
        kind,
        title,
        f"Your {booking.minutes}-minute session with {change.mentor.display_name} is confirmed "
        f"for {_when(booking, mentee)}." + _objective(booking) + _joining(booking) + _INVITE_ADDED,
        invite="REQUEST",
    )


def _confirmed(change: _Change) -> None:
    booking, mentor, mentee = change.booking, change.mentor, change.mentee
    if booking.group_id is not None:
        _seat_confirmed(change)
        return
    _tell_mentee_confirmed(
        change, "booking.confirmed", f"Your session with {mentor.display_name} is confirmed"
    )
    _tell(
        mentor,
        booking,
        "booking.confirmed",
        f"New session with {mentee.display_name}",
        f"{mentee.display_name} booked a {booking.minutes}-minute session with you "
        f"on {_when(booking, mentor)}." + _objective(booking) + _joining(booking) + _INVITE_ADDED,
        invite="REQUEST",
    )
    tasks.reminders_schedule(booking)


def _seat_confirmed(change: _Change) -> None:
    booking, mentor, mentee = change.booking, change.mentor, change.mentee
    group = booking.group
    _tell(
        mentee,
        booking,
        "booking.confirmed",
        f"Your seat in “{group.title}” is confirmed",
        f"Your seat in {mentor.display_name}'s {booking.minutes}-minute group session "
        f"“{group.title}” is confirmed for {_when(booking, mentee)}."
        + _objective(booking)
        + _joining(booking)
        + _INVITE_ADDED,
        invite="REQUEST",
    )
    # The mentor's calendar has the group session through their feed: one event per seat
    # by email would fill it with copies.
    _tell(
        mentor,
        booking,
        "group.seat_taken",
        f"{mentee.display_name} took a seat in “{group.title}”",
        f"{mentee.display_name} took a seat in your group session “{group.title}” on "
        f"{_when(booking, mentor)}." + _objective(booking),
    )
    tasks.reminders_schedule(booking)


def _requested(change: _Change) -> None:
    booking, mentor, mentee = change.booking, change.mentor, change.mentee
    _tell(
        mentor,
        booking,
        "booking.requested",
        f"New session request from {mentee.display_name}",
        f"{mentee.display_name} asks for a {booking.minutes}-minute session with you "
        f"on {_when(booking, mentor)}."
        + _objective(booking)
        + f"\n\nPlease accept or decline by {_moment(booking.respond_by, mentor)}. "
        "After that the request expires and the time is free again.",
    )
    tasks.request_expiry_schedule(booking)


def _accepted(change: _Change) -> None:
    booking, mentor, mentee = change.booking, change.mentor, change.mentee
    _tell_mentee_confirmed(
        change, "booking.accepted", f"{mentor.display_name} accepted your session request"
    )
    _receipt(
        mentor,
        booking,
        f"Your session with {mentee.display_name} is confirmed",
        f"You accepted {mentee.display_name}'s request: the {booking.minutes}-minute session "
        f"is confirmed for {_when(booking, mentor)}." + _joining(booking) + _INVITE_ADDED,
        invite="REQUEST",
    )
    tasks.reminders_schedule(booking)


def _told(
    kind: str, title: str, body: str, *, reader: Callable[[_Change], User | None]
) -> Callable[[_Change], None]:
    """A handler that tells one participant, the ``reader`` of the change (nobody when it
    gives ``None``), in words that may name ``{mentor}``, ``{actor}`` (who made the change),
    ``{when}`` (on the reader's clock) and ``{reason}`` (the mentor's note)."""

    def handler(change: _Change) -> None:
        person = reader(change)
        if person is None:
            return
        booking, actor = change.booking, change.actor
        words = {
            "mentor": change.mentor.display_name,
            "actor": "" if actor is None else actor.display_name,
            "when": _when(booking, person),
            "reason": _reason(booking, change.mentor),
        }
        _tell(person, booking, kind, title.format(**words), body.format(**words))

    return handler


def _rescheduled(change: _Change) -> None:
    booking, actor = change.booking, change.actor
    confirmed = booking.status == BookingStatus.CONFIRMED
    for person in change.told:
        other = change.other_than(person)
        if confirmed:
            body = (
                f"Your {booking.minutes}-minute session with {other.display_name} is now on "
                f"{_when(booking, person)}." + _joining(booking) + _INVITE_UPDATED
            )
        else:
            body = f"The session request is now for {_when(booking, person)}." + _answer_by(
                booking, person
            )
        _tell(
            person,
            booking,
            "booking.rescheduled",
            f"{actor.display_name} moved your session"
            if actor is not None
            else f"Your session with {other.display_name} moved",
            body,
            invite="REQUEST" if confirmed else None,
        )
    if confirmed and actor is not None:
        other = change.other_than(actor)
        _receipt(
            actor,
            booking,
            f"You moved your session with {other.display_name}",
            f"Your {booking.minutes}-minute session with {other.display_name} is now on "
            f"{_when(booking, actor)}." + _INVITE_UPDATED,
            invite="REQUEST",
        )
    if confirmed:
        tasks.reminders_schedule(booking)


def _answer_by(booking: Booking, person: User) -> str:
    if person.pk != booking.mentor.user_id:
        return ""
    return f" Please accept or decline by {_moment(booking.respond_by, person)}."


def _panel_goes_ahead(booking: Booking, person: User) -> str:
    """For a panel's mentee, whether the rest of the panel still takes place."""
    if booking.panel_id is None or person.pk != booking.mentee_id:
        return ""
    others = (
        Booking.objects.filter(panel_id=booking.panel_id, status=BookingStatus.CONFIRMED)
        .select_related("mentor__user")
        .order_by("pk")
    )
    names = [other.mentor.user.display_name for other in others]
    if not names:
        return ""
    return f" The panel goes ahead with {names_in_words(names)}."


def _cancelled(change: _Change) -> None:
    booking, actor = change.booking, change.actor
    was_confirmed = booking.confirmed_at is not None
    # A person leaving the platform takes their bookings with them: there is no session
    # page left to link to, and nobody to send a receipt to.
    departed = (
        change.actor_id is not None
        and not User.objects.filter(pk=change.actor_id, is_active=True).exists()
    )
    for person in change.told:
        other = change.other_than(person)
        if actor is None:
            title = f"Your session with {other.display_name} is cancelled"
        elif was_confirmed:
            title = f"{actor.display_name} cancelled your session"
        elif actor.pk == booking.mentee_id:
            title = f"{actor.display_name} withdrew their session request"
        else:
            title = f"{actor.display_name} cancelled your session request"
        if was_confirmed:
            body = (
                f"Your session with {other.display_name} on {_when(booking, person)} is cancelled."
                + _panel_goes_ahead(booking, person)
            )
        else:
            body = f"The request for {_when(booking, person)} is cancelled; nothing is booked."
        _tell(
            person,
            booking,
            "booking.cancelled",
            title,
            body + _reason(booking, actor) + (_INVITE_REMOVED if was_confirmed else ""),
            invite="CANCEL" if was_confirmed else None,
            url="" if departed else None,
        )
    if was_confirmed and actor is not None and not departed:
        other = change.other_than(actor)
        _receipt(
            actor,
            booking,
            f"You cancelled your session with {other.display_name}",
            f"Your session with {other.display_name} on {_when(booking, actor)} is cancelled."
            + _INVITE_REMOVED,
            invite="CANCEL",
        )


_HANDLERS = {
    "confirmed": _confirmed,
    "requested": _requested,
    "accepted": _accepted,
    "declined": _told(
        "booking.declined",
        "{mentor} declined your session request",
        "{mentor} cannot take your session on {when}, so nothing is booked.{reason}\n\n"
        "You can pick another time or another mentor.",
        reader=attrgetter("mentee"),
    ),
    "expired": _told(
        "booking.expired",
        "Your session request to {mentor} expired",
        "{mentor} did not answer your request for {when} in time, so it expired and nothing "
        "is booked.\n\nYou can pick another time or another mentor.",
        reader=attrgetter("mentee"),
    ),
    "rescheduled": _rescheduled,
    "cancelled": _cancelled,
    "completed": _told(
        "booking.completed",
        "{actor} marked your session as done",
        "{actor} marked your session of {when} as done.\n\nPlease review the session from its "
        "page within 14 days. Reviews are blind: each side sees the other's only once both are "
        "in, or when the 14 days are over.",
        reader=attrgetter("counterpart"),
    ),
    "no_show": _told(
        "booking.no_show",
        "{actor} reported that you did not show up",
        "{actor} reported that you did not join your session of {when}. It counts toward "
        "your reliability.\n\nIf that is not what happened, you can contest it.",
        reader=attrgetter("counterpart"),
    ),
}


# Panels and group sessions


def panel_confirmed(panel: Panel, bookings: list[Booking]) -> None:
    """Tell the mentee once that the whole panel is confirmed, with one calendar invite per
    mentor (each mentor's part is an event of its own, cancelled on its own), and each
    mentor of their session and who else is on the panel. Runs after commit."""
    mentee = panel.mentee
    names = [booking.mentor.user.display_name for booking in bookings]
    first = bookings[0]
    notification_send(
        recipient=mentee,
        kind="panel.confirmed",
        title=f"Your panel with {names_in_words(names)} is confirmed",
        body=f"Your {panel.minutes}-minute panel session with {names_in_words(names)} is confirmed "
        f"for {_when(first, mentee)}."
        + _objective(first)
        + _joining(first)
        + "\n\nThe attached invites add the session to your calendar, one for each mentor.",
        url=session_path(first),
        attachments=[
            invite for booking in bookings for invite in _attachments(booking, mentee, "REQUEST")
        ],
    )
    for booking in bookings:
        mentor = booking.mentor.user
        others = [other.mentor.user.display_name for other in bookings if other.pk != booking.pk]
        _tell(
            mentor,
            booking,
            "booking.confirmed",
            f"New panel session with {mentee.display_name}",
            f"{mentee.display_name} booked a {panel.minutes}-minute panel session with you "
            f"and {names_in_words(others)} on {_when(booking, mentor)}: you all meet in one call."
            + _objective(booking)
            + _joining(booking)
            + _INVITE_ADDED,
            invite="REQUEST",
        )
        tasks.reminders_schedule(booking)


def group_cancelled(group: GroupSession, seats: list[Booking]) -> None:
    """Tell each mentee whose seat the mentor's cancellation of ``group`` cancelled (a
    confirmed seat's invite removes it from their calendar). Runs after commit."""
    mentor = group.mentor.user
    for seat in seats:
        mentee = seat.mentee
        confirmed = seat.confirmed_at is not None
        refund = " Anything you paid for the seat is refunded in full." if seat.price_minor else ""
        _tell(
            mentee,
            seat,
            "group.cancelled",
            f"{mentor.display_name} cancelled the group session “{group.title}”",
            f"The group session “{group.title}” on {_when(seat, mentee)} is cancelled."
            + refund
            + _reason(seat, mentor)
            + (_INVITE_REMOVED if confirmed else ""),
            invite="CANCEL" if confirmed else None,
        )
