"""Reads of scheduling data: busy time, free slots, a participant's bookings."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    BigIntegerField,
    DateField,
    DateTimeField,
    F,
    Max,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from headstrt.accounts.models import MentorProfile, SessionOffer, User
from headstrt.core.errors import NotFound
from headstrt.core.statements import field_value, instance_of, quoted
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


_PROFILE_FIELDS = ("id", "user_id", "weekly_capacity")
_PERSON_FIELDS = ("id", "public_id", "time_zone", "paused_until")
_POLICY_FIELDS = tuple(field.attname for field in SchedulingPolicy._meta.concrete_fields)


@functools.cache
def _mentor_for_slots_sql(vendor: str) -> str:
    """``mentor_get_for_slots``'s statement for a database vendor, written once from the
    models' names: what slots read of the mentor, their person and their policy (none:
    its columns are empty)."""
    profile, person, policy = MentorProfile, User, SchedulingPolicy
    columns = ", ".join(
        [
            *(f"p.{quoted(profile, name)}" for name in _PROFILE_FIELDS),
            *(f"u.{quoted(person, name)}" for name in _PERSON_FIELDS),
            *(f"s.{quoted(policy, name)}" for name in _POLICY_FIELDS),
        ]
    )
    return f"""
        SELECT {columns}
          FROM {quoted(profile)} p
          JOIN {quoted(person)} u ON u.{quoted(person, "id")} = p.{quoted(profile, "user")}
          LEFT JOIN {quoted(policy)} s ON s.{quoted(policy, "mentor")} = p.{quoted(profile, "id")}
         WHERE u.{quoted(person, "public_id")} = %s
           AND p.{quoted(profile, "is_active")} = %s AND u.{quoted(person, "is_active")} = %s
    """


def mentor_get_for_slots(*, public_id: str) -> MentorProfile:
    """A listed mentor with what their slots read of their person and scheduling policy, in
    one query (their calendar and busy time: ``slot_reads_of_mentors``); their other fields load
    when first read. Others do not exist here."""
    if not isinstance(public_id, str):
        raise NotFound("No such mentor.")
    with connection.cursor() as cursor:
        cursor.execute(_mentor_for_slots_sql(connection.vendor), [public_id, True, True])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such mentor.")
    profile_end = len(_PROFILE_FIELDS)
    person_end = profile_end + len(_PERSON_FIELDS)
    profile = instance_of(MentorProfile, _PROFILE_FIELDS, row[:profile_end])
    profile.user = instance_of(User, _PERSON_FIELDS, row[profile_end:person_end])
    policy = row[person_end:]
    found = policy[_POLICY_FIELDS.index("id")] is not None
    # Without a policy row, ``scheduling_policy`` raises DoesNotExist as the ORM's would.
    MentorProfile.scheduling_policy.related.set_cached_value(
        profile, instance_of(SchedulingPolicy, _POLICY_FIELDS, policy) if found else None
    )
    return profile


@functools.cache
def _slot_reads_sql(vendor: str, mentors: int) -> str:
    """``slot_reads_of_mentors``'s one statement for ``mentors`` mentors, written once per
    database vendor and count from the models' table and column names. Rows: (kind, mentor
    profile id or, for time taken as a mentee, user id, weekday or minutes, date, start
    time, end time, start instant, end instant)."""
    rule, exception, offer = AvailabilityRule, AvailabilityException, SessionOffer
    statuses = ", ".join(f"'{status}'" for status in OCCUPYING)
    held, requested = BookingStatus.HELD.value, BookingStatus.REQUESTED.value
    some = ", ".join(["%s"] * mentors)
    # The first select names each column's type, for the databases that want one.
    day = DateField().db_type(connection)
    instant = DateTimeField().db_type(connection)

    def b(name: str) -> str:
        return quoted(Booking, name)

    def g(name: str) -> str:
        return quoted(GroupSession, name)

    # A booking takes time that counts, in the window: one side at a time, so each uses
    # its (person, start) index.
    booked = f"""
           AND {b("status")} IN ({statuses})
           AND NOT ({b("status")} = '{held}' AND {b("held_until")} IS NOT NULL
                    AND {b("held_until")} <= %s)
           AND NOT ({b("status")} = '{requested}' AND {b("respond_by")} IS NOT NULL
                    AND {b("respond_by")} <= %s)
           AND {b("start")} < %s AND {b("start")} >= %s"""
    return f"""
        SELECT 'rule', {quoted(rule, "mentor")}, {quoted(rule, "weekday")},
               CAST(NULL AS {day}), {quoted(rule, "start")}, {quoted(rule, "end")},
               CAST(NULL AS {instant}), CAST(NULL AS {instant})
          FROM {quoted(rule)} WHERE {quoted(rule, "mentor")} IN ({some})
        UNION ALL
        SELECT 'exception', {quoted(exception, "mentor")}, NULL, {quoted(exception, "date")},
               {quoted(exception, "start")}, {quoted(exception, "end")}, NULL, NULL
          FROM {quoted(exception)}
         WHERE {quoted(exception, "mentor")} IN ({some}) AND {quoted(exception, "date")} >= %s
        UNION ALL
        SELECT 'offer', {quoted(offer, "mentor")}, {quoted(offer, "minutes")},
               NULL, NULL, NULL, NULL, NULL
          FROM {quoted(offer)} WHERE {quoted(offer, "mentor")} IN ({some})
        UNION ALL
        SELECT 'mentee', {b("mentee")}, NULL, NULL, NULL, NULL, {b("start")}, {b("end")}
          FROM {quoted(Booking)} WHERE {b("mentee")} IN ({some}) {booked}
        UNION ALL
        SELECT 'mentor', {b("mentor")}, NULL, NULL, NULL, NULL, {b("start")}, {b("end")}
          FROM {quoted(Booking)}
         WHERE {b("mentor")} IN ({some}) AND {b("group")} IS NULL {booked}
        UNION ALL
        SELECT 'mentor', {g("mentor")}, NULL, NULL, NULL, NULL, {g("start")}, {g("end")}
          FROM {quoted(GroupSession)}
         WHERE {g("mentor")} IN ({some}) AND {g("status")} = '{GroupSessionStatus.OPEN.value}'
           AND {g("start")} < %s AND {g("start")} >= %s
    """


def _busy_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The busy time slots between ``start`` and ``end`` depend on: a week either side, so
    the daily and weekly caps and the buffers see every booking that counts."""
    return start - timedelta(days=8), end + timedelta(days=8)


def slot_reads_of_mentors(
    *, mentors: Sequence[MentorProfile], since: date, start: datetime, end: datetime, now: datetime
) -> dict[int, tuple[Availability, list[tuple[datetime, datetime]]]]:
    """Each mentor's availability for slots from ``since`` on (weekly rules, the date
    exceptions from ``since``, offered lengths, the policy read with the mentor) and their
    busy time for slots between ``start`` and ``end`` (as ``busy_intervals`` reads it),
    keyed by profile id, in one statement."""
    if not mentors:
        return {}
    busy_start, busy_end = _busy_window(start, end)
    ops = connection.ops
    moment = ops.adapt_datetimefield_value
    profiles = [mentor.pk for mentor in mentors]
    people = [mentor.user_id for mentor in mentors]
    booked = [moment(now), moment(now), moment(busy_end), moment(busy_start - _LONGEST_SESSION)]
    params = [
        *profiles,
        *profiles,
        ops.adapt_datefield_value(since),
        *profiles,
        *people,
        *booked,
        *profiles,
        *booked,
        *profiles,
        *(moment(busy_end), moment(busy_start - _LONGEST_SESSION)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_slot_reads_sql(connection.vendor, len(mentors)), params)
        rows = cursor.fetchall()
    # Values as the ORM gives them (SQLite gives text from a union's columns).
    clock = functools.partial(field_value, AvailabilityRule, "start")
    instant = functools.partial(field_value, Booking, "start")
    profile_of = {mentor.user_id: mentor.pk for mentor in mentors}
    rules, exceptions, offered, busy = ({pk: [] for pk in profiles} for _ in range(4))
    for kind, owner, number, day, start_time, end_time, busy_from, busy_to in rows:
        if kind == "rule":
            rules[owner].append((number, clock(start_time), clock(end_time)))
        elif kind == "exception":
            day = field_value(AvailabilityException, "date", day)
            exceptions[owner].append((day, clock(start_time), clock(end_time)))
        elif kind == "offer":
            offered[owner].append(number)
        else:  # time taken as a mentee is keyed by the person, as a mentor by the profile
            profile = profile_of[owner] if kind == "mentee" else owner
            busy[profile].append((instant(busy_from), instant(busy_to)))
    return {
        mentor.pk: (
            availability_from(
                mentor=mentor,
                rules=rules[mentor.pk],
                exceptions=exceptions[mentor.pk],
                offered=offered[mentor.pk],
            ),
            busy[mentor.pk],
        )
        for mentor in mentors
    }


def mentor_slots(
    *, mentor: MentorProfile, minutes: int, start: datetime, end: datetime, now: datetime
) -> list[Slot]:
    """``mentor_free_slots`` for a viewer (nothing being moved), the mentor's calendar and
    busy time read in one statement: what a person browsing a mentor's slots sees."""
    if person_is_paused(mentor.user, now=now):
        return []
    # Two days' margin: the mentor's dates run up to a day behind UTC, and a range of the
    # day before may reach into the window.
    availability, busy = slot_reads_of_mentors(
        mentors=[mentor], since=start.date() - timedelta(days=2), start=start, end=end, now=now
    )[mentor.pk]
    return slots_compute(availability, minutes=minutes, start=start, end=end, now=now, busy=busy)


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
    busy_start, busy_end = _busy_window(start, end)
    busy = busy_intervals(
        user=mentor.user, start=busy_start, end=busy_end, now=now, exclude=exclude
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
    availability: Availability | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
) -> datetime | None:
    """Start (UTC) of the mentor's earliest free slot, for ``minutes`` or their shortest
    offered length; ``None`` when nothing is free within the horizon or nothing is offered.

    ``after`` and ``before`` narrow the search to a window (a mentee's "between these
    dates"). ``busy`` and ``availability`` may carry the mentor's busy intervals and
    calendar when the caller read them in bulk (``next_free_slot_reads``). A paused mentor
    has none.
    """
    if person_is_paused(mentor.user, now=now):
        return None
    availability = availability or mentor_availability(mentor)
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


def next_free_slot_reads(
    mentors: Sequence[MentorProfile], *, now: datetime
) -> dict[int, tuple[Availability, list[tuple[datetime, datetime]]]]:
    """What ``mentor_next_free_slot`` reads of each of ``mentors`` (read with their person
    and policy), in one statement: their calendar and their busy time over the longest
    horizon."""
    return slot_reads_of_mentors(
        mentors=mentors,
        since=now.date() - timedelta(days=2),
        start=now,
        end=now + timedelta(days=MAX_HORIZON_DAYS),
        now=now,
    )


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


def session_starts_by_mentor(
    *, mentor_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[datetime]]:
    """When each mentor's confirmed sessions, open requests and open group sessions starting
    in ``start``..``end`` start, for counting them against the mentor's capacity (one query;
    mentors with none are absent). A group session counts once, however many seats it has."""
    window = {"mentor_id__in": mentor_ids, "start__gte": start, "start__lt": end}
    sessions = (
        Booking.objects.filter(
            group__isnull=True,
            status__in=[BookingStatus.CONFIRMED, BookingStatus.REQUESTED],
            **window,
        )
        .order_by()
        .values_list("mentor_id", "pk", "start")
    )
    groups = (
        GroupSession.objects.filter(status=GroupSessionStatus.OPEN, **window)
        .order_by()
        .values_list("mentor_id", "pk", "start")
    )
    starts: dict[int, list[datetime]] = {}
    for mentor_id, _, begins in sessions.union(groups, all=True):
        starts.setdefault(mentor_id, []).append(begins)
    return starts


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
