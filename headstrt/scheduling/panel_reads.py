"""Reads of panels and group sessions: who may see them, seats taken, lists of each."""

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import NotFound
from headstrt.scheduling.models import (
    Booking,
    BookingStatus,
    GroupSession,
    GroupSessionStatus,
    Panel,
)


def live(now: datetime, prefix: str = "") -> Q:
    """Bookings that hold their time at ``now``: sessions to come or done, requests still
    open and holds that have not lapsed. ``prefix`` reaches them through a relation
    (``"seats__"``)."""
    status, held_until, respond_by = (
        f"{prefix}status",
        f"{prefix}held_until__gt",
        f"{prefix}respond_by__gt",
    )
    return (
        Q(**{f"{status}__in": (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)})
        | Q(**{status: BookingStatus.HELD, held_until: now})
        | Q(**{status: BookingStatus.REQUESTED, respond_by: now})
    )


# Panels


def panel_get_for_participant(*, panel_id: object, user: User) -> Panel:
    """A panel its mentee or one of its mentors may see, with its bookings (and their
    mentors) at hand; anyone else gets ``NotFound``."""
    if not isinstance(panel_id, str):
        raise NotFound("No such panel.")
    panel = (
        _panels()
        .filter(public_id=panel_id)
        .filter(Q(mentee=user) | Exists(_parts_of(user)))
        .first()
    )
    if panel is None:
        raise NotFound("No such panel.")
    return panel


def panels_for_person(*, user: User) -> QuerySet[Panel]:
    """The panels the person takes part in, as mentee or as one of the mentors, newest
    first; each with its bookings and their mentors (two queries however many)."""
    return _panels().filter(Q(mentee=user) | Exists(_parts_of(user))).order_by("-start")


def _parts_of(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(panel=OuterRef("pk"), mentor__user=user)


def _panels() -> QuerySet[Panel]:
    parts = Booking.objects.select_related("mentor__user").order_by("pk")
    return Panel.objects.select_related("mentee").prefetch_related(
        Prefetch("bookings", queryset=parts)
    )


def panel_total(panel: Panel) -> int:
    """What the panel costs, in minor units of its currency: its mentors' prices."""
    return sum(booking.price_minor for booking in panel.bookings.all())


# Group sessions


def group_seats_taken(group: GroupSession) -> int:
    """How many seats of the group session are taken or held right now."""
    return group.seats.filter(live(clock.now())).count()


def _groups(now: datetime) -> QuerySet[GroupSession]:
    return GroupSession.objects.select_related("mentor__user", "topic__parent").annotate(
        seats_taken=Count("seats", filter=live(now, "seats__"))
    )


def group_sessions_upcoming(*, now: datetime, topic_slug: str | None = None) -> QuerySet:
    """Open group sessions to come of mentors taking bookings, soonest first, each annotated
    ``seats_taken``; with ``topic_slug``, those about that topic or one below it."""
    groups = _groups(now).filter(
        Q(mentor__user__paused_until__isnull=True) | Q(mentor__user__paused_until__lte=now),
        status=GroupSessionStatus.OPEN,
        start__gt=now,
        mentor__is_active=True,
        mentor__user__is_active=True,
    )
    if topic_slug:
        groups = groups.filter(Q(topic__slug=topic_slug) | Q(topic__parent__slug=topic_slug))
    return groups.order_by("start", "pk")


def group_session_get(*, group_id: object, viewer: User | None) -> GroupSession:
    """A group session annotated ``seats_taken``: anyone may see it while it is open; once
    cancelled only its mentor and the mentees who had a seat. Others get ``NotFound``."""
    if not isinstance(group_id, str):
        raise NotFound("No such group session.")
    now = clock.now()
    group = _groups(now).filter(public_id=group_id).first()
    if group is None:
        raise NotFound("No such group session.")
    if group.status == GroupSessionStatus.OPEN:
        return group
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in and (
        group.mentor.user_id == viewer.pk or group.seats.filter(mentee=viewer).exists()
    ):
        return group
    raise NotFound("No such group session.")


def group_sessions_of_mentor(*, mentor: User) -> QuerySet[GroupSession]:
    """The mentor's own group sessions, latest start first, each annotated ``seats_taken``."""
    return _groups(clock.now()).filter(mentor__user=mentor).order_by("-start", "-pk")


def group_seat_of(*, group: GroupSession, mentee: User) -> Booking | None:
    """The mentee's seat in the group session that holds its time now, if they have one."""
    if not mentee.is_authenticated:
        return None
    return group.seats.filter(live(clock.now()), mentee=mentee).first()


def group_seats(*, group: GroupSession, mentor: User) -> QuerySet[Booking]:
    """The seats taken in the mentor's own group session, with their mentees; ``NotFound``
    for anyone but its mentor."""
    if group.mentor.user_id != mentor.pk:
        raise NotFound("No such group session.")
    return (
        group.seats.filter(live(clock.now()))
        .select_related("mentee", "mentor__user")
        .order_by("created_at", "pk")
    )
