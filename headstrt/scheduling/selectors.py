"""Reads of scheduling data: busy time, free slots, a participant's bookings."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    BigIntegerField,
    CharField,
    DateField,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Subquery,
    TimeField,
    Value,
)
from django.db.models.functions import Cast

from headstrt.accounts.models import MentorProfile, SessionOffer, User
from headstrt.core.errors import NotFound
from headstrt.scheduling.models import (
    MAX_HORIZON_DAYS,
    OCCUPYING,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
    CalendarFeed,
    GroupSession,
    GroupSessionStatus,
    SchedulingPolicy,
)
from headstrt.scheduling.slots import (
    Availability,
    Slot,
    availability_from,
    mentor_availability,
    slots_compute,
    zone_of,
)

# Search the horizon a week at a time, so a mentor free tomorrow costs one short computation.
_SEARCH_STEP = timedelta(days=7)
# Sessions are at most an hour, so a booking ending after ``start`` began less than this
# before it; the margin lets the time-range query use the (person, start) indexes.
_LONGEST_SESSION = timedelta(hours=2)
# The video room opens a little before the start, so people can check their sound.
JOIN_EARLY = timedelta(minutes=10)
# How long after its end a session can still be marked done or reported as a no-show.
CLOSE_WINDOW = timedelta(days=3)


def occupying_bookings(*, user: User, now: datetime) -> QuerySet[Booking]:
    """Bookings that take up ``user``'s time, as mentor or as mentee: sessions to come or
    done, requests still open and holds that have not lapsed."""
    return Booking.objects.filter(
        Q(mentee=user) | Q(mentor__user=user), status__in=OCCUPYING
    ).exclude(_lapsed(now))


def busy_intervals(
    *, user: User, start: datetime, end: datetime, now: datetime, exclude: Booking | None = None
) -> list[tuple[datetime, datetime]]:
    """The UTC intervals ``user`` is taken between ``start`` and ``end``, for slot computation.

    The caller widens the window by the buffer and the day/week over which caps count.
    """
    return busy_intervals_of_people(
        users=[user], start=start, end=end, now=now, exclude=exclude
    ).get(user.pk, [])


def busy_intervals_of_people(
    *,
    users: Sequence[User],
    start: datetime,
    end: datetime,
    now: datetime,
    exclude: Booking | None = None,
) -> dict[int, list[tuple[datetime, datetime]]]:
    """``busy_intervals`` for several people in one query, keyed by user id.

    A mentor's open group session is busy time from the moment it is offered, and counts
    as one session however many seats it has. ``exclude`` leaves out a booking being
    checked again, and with it the other bookings of its panel, which share its time.
    """
    ids = [user.pk for user in users]
    bookings = (
        Booking.objects.filter(status__in=OCCUPYING)
        .exclude(_lapsed(now))
        .filter(start__lt=end, start__gte=start - _LONGEST_SESSION)
        .order_by()
    )
    if exclude is not None:
        bookings = bookings.exclude(pk=exclude.pk)
        if exclude.panel_id is not None:
            bookings = bookings.exclude(panel_id=exclude.panel_id)
    groups = GroupSession.objects.filter(
        mentor__user__in=ids,
        status=GroupSessionStatus.OPEN,
        start__lt=end,
        start__gte=start - _LONGEST_SESSION,
    ).order_by()
    # One side at a time, so each uses its (person, start) index: one OR across the join to
    # the mentor's user makes the database read every booking of everyone in the window.
    # UNION drops the second copy of a booking between two of ``users``. Group sessions
    # come in the same query as rows without a mentee.
    columns = ("pk", "mentee_id", "mentor__user_id", "start", "end", "group_id")
    rows = (
        bookings.filter(mentee__in=ids)
        .values_list(*columns)
        .union(
            bookings.filter(mentor__user__in=ids).values_list(*columns),
            groups.values_list(
                "pk",
                Value(None, output_field=BigIntegerField()),
                "mentor__user_id",
                "start",
                "end",
                F("pk"),
            ),
        )
    )
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for _, mentee_id, mentor_user_id, row_start, row_end, group_id in rows:
        if mentee_id is None:  # a group session: its mentor's time
            people = {mentor_user_id}
        elif group_id is not None:  # a seat: its mentee's (the mentor's is the group's row)
            people = {mentee_id}
        else:
            people = {mentee_id, mentor_user_id}
        for person in people.intersection(ids):
            busy.setdefault(person, []).append((row_start, row_end))
    return busy


def _lapsed(now: datetime) -> Q:
    return Q(status=BookingStatus.HELD, held_until__lte=now) | Q(
        status=BookingStatus.REQUESTED, respond_by__lte=now
    )


def person_is_paused(user: User, *, now: datetime) -> bool:
    """Whether an automatic reliability pause stops ``user`` from booking and from being
    booked at ``now`` (sessions already booked go ahead)."""
    return user.paused_until is not None and user.paused_until > now


def mentor_get_for_slots(*, public_id: str) -> MentorProfile:
    """A listed mentor with their person and scheduling policy, in one query (their
    calendar: ``mentor_calendar``); others do not exist here."""
    profile = (
        MentorProfile.objects.select_related("user", "scheduling_policy")
        .filter(user__public_id=public_id, is_active=True, user__is_active=True)
        .first()
    )
    if profile is None:
        raise NotFound("No such mentor.")
    return profile


def mentor_calendar(*, mentor: MentorProfile, since: date) -> Availability:
    """The mentor's availability for slots from ``since`` on: weekly rules, the date
    exceptions from ``since`` (earlier ones change no slot to come) and offered lengths, in
    one query; the policy is read with ``mentor_get_for_slots``."""

    def null(field):
        return Cast(Value(None), output_field=field)

    # One row shape for the three tables: (kind, weekday or minutes, date, start, end).
    rules = AvailabilityRule.objects.filter(mentor=mentor).values_list(
        Value("rule", output_field=CharField()), "weekday", null(DateField()), "start", "end"
    )
    exceptions = AvailabilityException.objects.filter(mentor=mentor, date__gte=since).values_list(
        Value("exception", output_field=CharField()), null(IntegerField()), "date", "start", "end"
    )
    offers = SessionOffer.objects.filter(mentor=mentor).values_list(
        Value("offer", output_field=CharField()),
        "minutes",
        null(DateField()),
        null(TimeField()),
        null(TimeField()),
    )
    rows = rules.order_by().union(exceptions.order_by(), offers.order_by(), all=True)
    found: dict[str, list] = {"rule": [], "exception": [], "offer": []}
    for kind, number, day, start, end in rows:
        found[kind].append((number, day, start, end))
    return availability_from(
        mentor=mentor,
        rules=[(weekday, start, end) for weekday, _, start, end in found["rule"]],
        exceptions=[(day, start, end) for _, day, start, end in found["exception"]],
        offered=[minutes for minutes, _, _, _ in found["offer"]],
    )


def mentor_free_slots(
    *,
    mentor: MentorProfile,
    minutes: int,
    start: datetime,
    end: datetime,
    now: datetime,
    exclude: Booking | None = None,
    availability: Availability | None = None,
) -> list[Slot]:
    """The mentor's bookable slots of ``minutes`` between ``start`` and ``end`` (UTC), with
    their sessions, open requests and live holds (as mentor or mentee) kept clear.

    Busy time is read from a week either side, so the daily and weekly caps and the
    buffers see every booking that counts. ``availability`` saves reloading the mentor's
    rules when the caller has them already. A paused mentor has none, except to move a
    session or request they already have (``exclude``): those go ahead during a pause.
    """
    moving = exclude is not None and exclude.status in (
        BookingStatus.CONFIRMED,
        BookingStatus.REQUESTED,
    )
    if not moving and person_is_paused(mentor.user, now=now):
        return []
    busy = busy_intervals(
        user=mentor.user,
        start=start - timedelta(days=8),
        end=end + timedelta(days=8),
        now=now,
        exclude=exclude,
    )
    return slots_compute(
        availability or mentor_availability(mentor),
        minutes=minutes,
        start=start,
        end=end,
        now=now,
        busy=busy,
    )


def mentor_next_free_slot(
    *,
    mentor: MentorProfile,
    minutes: int | None = None,
    now: datetime,
    busy: Sequence[tuple[datetime, datetime]] | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
) -> datetime | None:
    """Start (UTC) of the mentor's earliest free slot, for ``minutes`` or their shortest
    offered length; ``None`` when nothing is free within the horizon or nothing is offered.

    ``after`` and ``before`` narrow the search to a window (a mentee's "between these
    dates"). ``busy`` may carry the mentor's busy intervals when the caller fetched them in
    bulk (see ``next_free_slot_window``). A paused mentor has none.
    """
    if person_is_paused(mentor.user, now=now):
        return None
    availability = mentor_availability(mentor)
    if minutes is None:
        if not availability.offered_minutes:
            return None
        minutes = min(availability.offered_minutes)
    horizon = now + timedelta(days=availability.horizon_days)
    if before is not None:
        horizon = min(horizon, before)
    if busy is None:
        busy = busy_intervals(user=mentor.user, now=now, **next_free_slot_window(now))
    window_start = max(now, after) if after is not None else now
    while window_start < horizon:
        window_end = min(window_start + _SEARCH_STEP, horizon)
        slots = slots_compute(
            availability, minutes=minutes, start=window_start, end=window_end, now=now, busy=busy
        )
        if slots:
            return slots[0].start
        if window_end >= horizon:
            return None
        # Overlap the windows by one session, so a slot across their boundary is not lost.
        window_start = window_end - timedelta(minutes=minutes)
    return None


def next_free_slot_window(now: datetime) -> dict[str, datetime]:
    """The span of busy time ``mentor_next_free_slot`` needs: the longest horizon plus the
    week either side over which caps count."""
    return {"start": now - timedelta(days=8), "end": now + timedelta(days=MAX_HORIZON_DAYS + 8)}


def booking_get_for_participant(*, booking_id: str, user: User) -> Booking:
    """A booking its mentor or mentee may see; anyone else gets ``NotFound``."""
    if not isinstance(booking_id, str):
        raise NotFound("No such session.")
    booking = (
        Booking.objects.select_related("mentor__user", "mentee", "situation", "panel", "group")
        .filter(public_id=booking_id)
        .filter(Q(mentee=user) | Q(mentor__user=user))
        .first()
    )
    if booking is None:
        raise NotFound("No such session.")
    return booking


BOOKING_LISTS = ("upcoming", "requests", "past")


def bookings_for_participant(
    *, user: User, now: datetime, which: str = "upcoming", role: str | None = None
) -> QuerySet[Booking]:
    """The person's bookings: ``upcoming`` (requests and sessions to come, soonest first),
    ``requests`` (waiting for this person's answer as mentor) or ``past``: everything
    else but holds, newest first.

    ``role`` limits to bookings where the person is the ``mentor`` or the ``mentee``.
    """
    # The person's mentor profile as a scalar subquery, not a join: either side is then read
    # from its own index (mentor, start) or (mentee, start), not from every booking.
    as_mentor = Q(mentor_id=Subquery(MentorProfile.objects.filter(user=user).values("pk")[:1]))
    if role == "mentor":
        mine = as_mentor
    elif role == "mentee":
        mine = Q(mentee=user)
    else:
        mine = as_mentor | Q(mentee=user)
    bookings = Booking.objects.select_related("mentor__user", "mentee").filter(mine)
    if which == "requests":
        return bookings.filter(
            mentor__user=user, status=BookingStatus.REQUESTED, respond_by__gt=now
        ).order_by("respond_by")
    if which == "past":
        return (
            bookings.exclude(status=BookingStatus.HELD).exclude(_upcoming(now)).order_by("-start")
        )
    return bookings.filter(_upcoming(now)).order_by("start")


def _upcoming(now: datetime) -> Q:
    return Q(end__gt=now) & (
        Q(status=BookingStatus.CONFIRMED) | Q(status=BookingStatus.REQUESTED, respond_by__gt=now)
    )


def calendar_feed_owner(*, token_hash: str) -> User | None:
    """The person whose calendar feed has this token hash, if the feed still exists."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=token_hash).first()
    return None if feed is None else feed.user


def booking_actions(*, booking: Booking, user: User, now: datetime) -> frozenset[str]:
    """What ``user`` may do with ``booking`` now: any of ``checkout``, ``accept``,
    ``decline``, ``reschedule``, ``cancel``, ``complete``, ``report_no_show``, ``join``.
    A panel's part and a group session's seat are never rescheduled alone.

    The web page shows these buttons and the API lists them; the services enforce the same
    rules, so a stale page gets a clear error rather than a wrong change.
    """
    party = booking.party_of(user)
    if party is None:
        return frozenset()
    status = booking.status
    actions = set()
    # A mentor's part of a panel is checked out with the whole panel; it and a seat in a
    # group session keep the time they share with the others.
    if status == BookingStatus.HELD and party == "mentee" and booking.panel_id is None:
        actions.add("checkout")
    open_request = status == BookingStatus.REQUESTED and booking.respond_by > now
    if open_request and party == "mentor":
        actions |= {"accept", "decline"}
    if (status == BookingStatus.CONFIRMED or open_request) and now < booking.start:
        actions.add("cancel")
        if booking.panel_id is None and booking.group_id is None:
            actions.add("reschedule")
    if status == BookingStatus.CONFIRMED:
        if booking.start - JOIN_EARLY <= now <= booking.end:
            actions.add("join")
        if booking.start <= now <= booking.end + CLOSE_WINDOW:
            actions |= {"complete", "report_no_show"}
    return frozenset(actions)


def scheduling_export(*, user: User) -> dict:
    """The person's availability and bookings, for "download my data"."""
    profile = MentorProfile.objects.filter(user=user).first()
    bookings = Booking.objects.select_related("mentor__user", "mentee").filter(
        Q(mentee=user) | Q(mentor__user=user)
    )
    return {
        "availability": []
        if profile is None
        else [
            {"weekday": rule.weekday, "start": f"{rule.start:%H:%M}", "end": f"{rule.end:%H:%M}"}
            for rule in profile.availability_rules.all()
        ],
        "sessions": [
            {
                "id": booking.public_id,
                "role": booking.party_of(user),
                "with": (
                    booking.mentor.user if booking.mentee_id == user.pk else booking.mentee
                ).display_name,
                "start": booking.start.isoformat(),
                "end": booking.end.isoformat(),
                "status": booking.status,
                "objective": booking.objective,
                "agenda": booking.agenda,
                "price_minor": booking.price_minor,
                "currency": booking.currency,
            }
            for booking in bookings
        ],
    }


def scheduling_policy_for_mentor(*, mentor: MentorProfile) -> SchedulingPolicy:
    """The mentor's scheduling policy; an unsaved one holding the defaults if they never
    saved theirs."""
    policy = SchedulingPolicy.objects.filter(mentor=mentor).first()
    return policy or SchedulingPolicy(mentor=mentor, **SchedulingPolicy.DEFAULTS)


@dataclass(frozen=True)
class AvailabilitySettings:
    """What a mentor's availability editor shows: weekly rules, exceptions from today on
    (dates on the mentor's clock) and the scheduling policy."""

    rules: list[AvailabilityRule]
    exceptions: list[AvailabilityException]
    policy: SchedulingPolicy


def availability_settings_for_owner(
    *, mentor: MentorProfile, now: datetime
) -> AvailabilitySettings:
    """The mentor's own availability settings, for them to edit."""
    today = now.astimezone(zone_of(mentor.user.time_zone)).date()
    return AvailabilitySettings(
        rules=list(AvailabilityRule.objects.filter(mentor=mentor)),
        exceptions=list(AvailabilityException.objects.filter(mentor=mentor, date__gte=today)),
        policy=scheduling_policy_for_mentor(mentor=mentor),
    )


def booking_status_now(*, booking: Booking, now: datetime) -> BookingStatus:
    """The booking's status as of ``now``: a lapsed hold or an unanswered request past its
    window reads as expired, even before ``bookings_expire_lapsed`` marks it so."""
    lapsed_hold = booking.status == BookingStatus.HELD and booking.held_until <= now
    lapsed_request = booking.status == BookingStatus.REQUESTED and booking.respond_by <= now
    if lapsed_hold or lapsed_request:
        return BookingStatus.EXPIRED
    return BookingStatus(booking.status)


def booking_refs_of(*, user: User) -> list[str]:
    """The public ids of every booking the person takes part in, as mentor or mentee."""
    return list(
        Booking.objects.filter(Q(mentee=user) | Q(mentor__user=user)).values_list(
            "public_id", flat=True
        )
    )


def sessions_count_by_mentor(
    *, mentor_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, int]:
    """How many confirmed sessions, open requests and open group sessions each mentor has
    starting in ``start``..``end`` (one query; mentors with none are absent). A group
    session counts once, however many seats it has."""
    window = {"mentor_id__in": mentor_ids, "start__gte": start, "start__lt": end}
    sessions = (
        Booking.objects.filter(
            group__isnull=True,
            status__in=[BookingStatus.CONFIRMED, BookingStatus.REQUESTED],
            **window,
        )
        .order_by()
        .values_list("mentor_id", "pk")
    )
    groups = (
        GroupSession.objects.filter(status=GroupSessionStatus.OPEN, **window)
        .order_by()
        .values_list("mentor_id", "pk")
    )
    counts: dict[int, int] = {}
    for mentor_id, _ in sessions.union(groups, all=True):
        counts[mentor_id] = counts.get(mentor_id, 0) + 1
    return counts


def last_session_end_by_mentor(*, mentor_ids: Sequence[int], now: datetime) -> dict[int, datetime]:
    """When each mentor's latest session that took place ended (one query; mentors with
    none are absent)."""
    rows = (
        Booking.objects.filter(
            mentor_id__in=mentor_ids, status=BookingStatus.COMPLETED, end__lte=now
        )
        .values("mentor_id")
        .annotate(last=Max("end"))
    )
    return {row["mentor_id"]: row["last"] for row in rows}
