"""Reliability of people on both sides: scores from lapses, punctuality and response time,
warnings and automatic pauses when lapses cross a threshold, and contesting a pause."""

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db import connection, transaction
from django.db.models import Count, DateTimeField, F, Q, QuerySet
from django.urls import reverse

from headstrt.accounts.models import MentorProfile, User
from headstrt.accounts.validation import clean_text
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.statements import field_value, quoted
from headstrt.messaging.services import notification_send
from headstrt.reviews.models import MAX_NOTE, LapseKind, NoticeKind, ReliabilityNotice
from headstrt.scheduling.models import (
    Attendance,
    Booking,
    BookingStatus,
    ReliabilityEvent,
    ReliabilityKind,
)
from headstrt.scheduling.selectors import person_is_paused

__all__ = [
    "Reliability",
    "person_is_paused",
    "reliability_contest",
    "reliability_contested_pauses",
    "reliability_notices_of",
    "reliability_of",
    "reliability_of_person",
    "reliability_pause_lift",
    "reliability_review",
]

# Scores count the last 90 days; thresholds the last 30.
SCORE_WINDOW = timedelta(days=90)
THRESHOLD_WINDOW = timedelta(days=30)
PAUSE_LENGTH = timedelta(days=14)
# Joining the video room later than this after the start counts as a late join.
LATE_JOIN_AFTER = timedelta(minutes=5)
WEIGHTS = {
    ReliabilityKind.NO_SHOW: 1.0,
    ReliabilityKind.LATE_CANCELLATION: 0.5,
    ReliabilityKind.LATE_RESCHEDULE: 0.25,
}
LATE_JOIN_WEIGHT = 0.25
# (warning at, pause at) within THRESHOLD_WINDOW, for each kind of lapse.
THRESHOLDS = {LapseKind.NO_SHOW: (2, 3), LapseKind.LATE_CHANGE: (3, 5)}
_LAPSES_OF = {
    LapseKind.NO_SHOW: (ReliabilityKind.NO_SHOW,),
    LapseKind.LATE_CHANGE: (ReliabilityKind.LATE_CANCELLATION, ReliabilityKind.LATE_RESCHEDULE),
}


@dataclass(frozen=True)
class Reliability:
    """A person's reliability over the last 90 days, as mentor and mentee together.

    ``score`` is 1 for no lapses and falls toward 0; ``response_hours`` is a mentor's median
    time to answer a booking request (``None`` without requests)."""

    score: float
    sessions: int
    no_shows: int
    late_changes: int
    late_joins: int
    response_hours: float | None


def reliability_of(
    user_ids: Iterable[int], *, response_hours: bool = True
) -> dict[int, Reliability]:
    """The reliability of each person in ``user_ids`` (everyone gets one: no history scores
    1.0), in five queries however many people are asked about; four without
    ``response_hours`` (then ``None`` for everyone), which only pages showing it need. One
    person's alone takes one statement: ``reliability_of_person``."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    now = clock.now()
    since = now - SCORE_WINDOW
    held = Booking.objects.filter(confirmed_at__isnull=False, start__gte=since, start__lte=now)
    sessions: Counter[int] = Counter()
    # One side at a time, so each query uses its (person, start) index.
    for column in ("mentee_id", "mentor__user_id"):
        rows = (
            held.filter(**{f"{column}__in": ids}).order_by().values(column).annotate(n=Count("pk"))
        )
        for row in rows:
            sessions[row[column]] += row["n"]
    lapses: dict[int, Counter[str]] = defaultdict(Counter)
    events = (
        ReliabilityEvent.objects.filter(person_id__in=ids, created_at__gte=since)
        .order_by()
        .values("person_id", "kind")
        .annotate(n=Count("pk"))
    )
    for row in events:
        lapses[row["person_id"]][row["kind"]] += row["n"]
    late_joins = dict(
        Attendance.objects.filter(
            person_id__in=ids,
            booking__start__gte=since,
            booking__start__lte=now,
            joined_at__gt=F("booking__start") + LATE_JOIN_AFTER,
        )
        .order_by()
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    response = _response_hours(ids, since=since, now=now) if response_hours else {}
    return {
        person: _reliability(
            sessions=sessions[person],
            lapses=lapses[person],
            late_joins=late_joins.get(person, 0),
            response_hours=response.get(person),
        )
        for person in ids
    }


def reliability_of_person(user_id: int) -> Reliability:
    """One person's reliability, as ``reliability_of`` works it out, in one statement
    written once (a mentor's profile shows it on every view): their sessions held as
    mentee and as mentor, lapses by kind, joins (late ones counted here) and answers to
    their requests, over the last 90 days."""
    now = clock.now()
    since = now - SCORE_WINDOW
    moment = connection.ops.adapt_datetimefield_value
    params = [
        *(user_id, moment(since), moment(now)) * 2,
        *(user_id, moment(since)),
        *(user_id, moment(since), moment(now)),
        *(user_id, moment(since), moment(now)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_person_statement(connection.vendor), params)
        rows = cursor.fetchall()
    instant = functools.partial(field_value, Booking, "start")
    sessions, lapses, late_joins, requests = 0, Counter(), 0, []
    for tag, n, first, second, third, fourth in rows:
        if tag == "held":
            sessions += n
        elif tag == "joined":
            joined, start = instant(first), instant(second)
            late_joins += 1 if joined > start + LATE_JOIN_AFTER else 0
        elif tag == "request":
            requests.append((user_id, *map(instant, (first, second, third, fourth))))
        else:
            lapses[tag] += n
    return _reliability(
        sessions=sessions,
        lapses=lapses,
        late_joins=late_joins,
        response_hours=_median_waits(requests).get(user_id),
    )


@functools.cache
def _person_statement(vendor: str) -> str:
    """``reliability_of_person``'s statement, written once per database vendor from the
    models' names. Rows: (tag: ``held``, a lapse's kind, ``joined`` or ``request``; a count;
    then four instants: a join's time and its session's start, or a request's creation,
    confirmation, end and deadline)."""
    booking, profile, event, attendance = Booking, MentorProfile, ReliabilityEvent, Attendance
    instant = DateTimeField().db_type(connection)

    def b(name: str) -> str:
        return f"b.{quoted(booking, name)}"

    held = f"{b('confirmed_at')} IS NOT NULL AND {b('start')} >= %s AND {b('start')} <= %s"
    of_mentor = (
        f"JOIN {quoted(profile)} p ON p.{quoted(profile, 'id')} = {b('mentor')}"
        f" WHERE p.{quoted(profile, 'user')} = %s"
    )
    answered = BookingStatus.DECLINED.value
    unanswered = f"'{BookingStatus.EXPIRED.value}', '{BookingStatus.REQUESTED.value}'"
    nothing = f"CAST(NULL AS {instant})"
    return f"""
        SELECT 'held', COUNT(*), {nothing}, {nothing}, {nothing}, {nothing}
          FROM {quoted(booking)} b WHERE {b("mentee")} = %s AND {held}
        UNION ALL
        SELECT 'held', COUNT(*), NULL, NULL, NULL, NULL
          FROM {quoted(booking)} b {of_mentor} AND {held}
        UNION ALL
        SELECT e.{quoted(event, "kind")}, COUNT(*), NULL, NULL, NULL, NULL
          FROM {quoted(event)} e
         WHERE e.{quoted(event, "person")} = %s AND e.{quoted(event, "created_at")} >= %s
         GROUP BY e.{quoted(event, "kind")}
        UNION ALL
        SELECT 'joined', NULL, a.{quoted(attendance, "joined_at")}, {b("start")}, NULL, NULL
          FROM {quoted(attendance)} a
          JOIN {quoted(booking)} b ON b.{quoted(booking, "id")} = a.{quoted(attendance, "booking")}
         WHERE a.{quoted(attendance, "person")} = %s
           AND {b("start")} >= %s AND {b("start")} <= %s
        UNION ALL
        SELECT 'request', NULL, {b("created_at")}, {b("confirmed_at")}, {b("ended_at")},
               {b("respond_by")}
          FROM {quoted(booking)} b {of_mentor}
           AND {b("respond_by")} IS NOT NULL AND {b("created_at")} >= %s
           AND ({b("confirmed_at")} IS NOT NULL OR {b("status")} = '{answered}'
                OR ({b("status")} IN ({unanswered}) AND {b("respond_by")} <= %s))
    """


def _reliability(
    *, sessions: int, lapses: Counter[str], late_joins: int, response_hours: float | None
) -> Reliability:
    """The score and counts of a person from their sessions held, lapses by kind and late
    joins."""
    weighted = sum(WEIGHTS[kind] * n for kind, n in lapses.items() if kind in WEIGHTS)
    weighted += LATE_JOIN_WEIGHT * late_joins
    return Reliability(
        score=max(0.0, 1.0 - weighted / (sessions + 2)),
        sessions=sessions,
        no_shows=lapses[ReliabilityKind.NO_SHOW],
        late_changes=lapses[ReliabilityKind.LATE_CANCELLATION]
        + lapses[ReliabilityKind.LATE_RESCHEDULE],
        late_joins=late_joins,
        response_hours=response_hours,
    )


def _response_hours(ids: list[int], *, since: datetime, now: datetime) -> dict[int, float]:
    """Median hours mentors took to answer requests made since ``since``: accepted (until
    confirmed), declined (until declined), or expired (the whole response window)."""
    requests = (
        Booking.objects.filter(
            mentor__user_id__in=ids, respond_by__isnull=False, created_at__gte=since
        )
        .filter(
            Q(confirmed_at__isnull=False)
            | Q(status=BookingStatus.DECLINED)
            | Q(status__in=[BookingStatus.EXPIRED, BookingStatus.REQUESTED], respond_by__lte=now)
        )
        .order_by()
        .values_list("mentor__user_id", "created_at", "confirmed_at", "ended_at", "respond_by")
    )
    return _median_waits(requests)


def _median_waits(requests: Iterable[tuple]) -> dict[int, float]:
    """Each mentor's median wait in hours over their requests' (mentor's user id, created,
    confirmed, ended, answer deadline)."""
    waits: dict[int, list[float]] = defaultdict(list)
    for mentor_id, created, confirmed, ended, respond_by in requests:
        answered = confirmed or (ended if ended and ended < respond_by else respond_by)
        waits[mentor_id].append(max(0.0, (answered - created).total_seconds() / 3600))
    return {mentor_id: median(hours) for mentor_id, hours in waits.items()}


def _counted_since(person: User, *, now: datetime) -> datetime:
    """Where threshold counting starts: 30 days ago, or when the last pause ended or was
    lifted if that is later (lapses before a pause do not count twice)."""
    since = now - THRESHOLD_WINDOW
    last = (
        ReliabilityNotice.objects.filter(person=person, kind=NoticeKind.PAUSE)
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None:
        ended = last.lifted_at or last.ends_at
        if ended is not None and ended > since:
            since = ended
    return since


def _notify(notice: ReliabilityNotice, *, title: str, body: str) -> None:
    transaction.on_commit(
        lambda: notification_send(
            recipient=notice.person,
            kind=f"reliability.{notice.kind}",
            title=title,
            body=body,
            url=reverse("web:reliability"),
        )
    )


_CONTEST = (
    "If this is wrong — for example the other person reported a no-show although you came — "
    "contest the pause on your reliability page and say what happened; staff will look at it."
)


@transaction.atomic
def reliability_review(*, person: User) -> ReliabilityNotice | None:
    """Look at the person's recent lapses after a new one was recorded: warn them, or pause
    them automatically, when a threshold is crossed. Safe to call any number of times: a
    warning goes once per 30 days for each kind of lapse, and nobody is paused twice."""
    now = clock.now()
    person = User.objects.select_for_update().get(pk=person.pk)
    if person_is_paused(person, now=now):
        return None
    since = _counted_since(person, now=now)
    counts = Counter(
        dict(
            ReliabilityEvent.objects.filter(person=person, created_at__gt=since)
            .order_by()
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    )
    warned_since = ReliabilityNotice.objects.filter(
        person=person, kind=NoticeKind.WARNING, created_at__gt=since
    ).values_list("lapse", flat=True)
    warned = set(warned_since)
    warnings = []
    for lapse, (warn_at, pause_at) in THRESHOLDS.items():
        count = sum(counts[kind] for kind in _LAPSES_OF[lapse])
        if count >= pause_at:
            return _pause(person, lapse=lapse, count=count, now=now)
        if count >= warn_at and lapse not in warned:
            warnings.append((lapse, count, pause_at))
    notice = None
    for lapse, count, pause_at in warnings:
        label = LapseKind(lapse).label.lower()
        notice = ReliabilityNotice.objects.create(
            person=person,
            kind=NoticeKind.WARNING,
            lapse=lapse,
            reason=f"{count} {label} in the last 30 days.",
            created_at=now,
        )
        _notify(
            notice,
            title="A warning about missed or changed sessions",
            body=f"You have had {count} {label} in the last 30 days. At {pause_at}, your "
            f"account is paused for {PAUSE_LENGTH.days} days: no new bookings, as mentee or "
            "as mentor. People count on the time they set aside for you.",
        )
    return notice


def _pause(person: User, *, lapse: str, count: int, now: datetime) -> ReliabilityNotice:
    ends_at = now + PAUSE_LENGTH
    label = LapseKind(lapse).label.lower()
    notice = ReliabilityNotice.objects.create(
        person=person,
        kind=NoticeKind.PAUSE,
        lapse=lapse,
        reason=f"{count} {label} in the last 30 days.",
        created_at=now,
        ends_at=ends_at,
    )
    person.paused_until = ends_at
    person.save(update_fields=["paused_until"])
    _notify(
        notice,
        title="Your account is paused for 14 days",
        body=f"You have had {count} {label} in the last 30 days, so your account is paused "
        f"until {ends_at:%d %B %Y, %H:%M} UTC: you cannot book new sessions and mentees cannot "
        "book you. Your sessions already booked stay as they are.\n\n" + _CONTEST,
    )
    return notice


def _notice_of(*, person: User, notice_id: object) -> ReliabilityNotice:
    if not isinstance(notice_id, str):
        raise NotFound("No such notice.")
    notice = (
        ReliabilityNotice.objects.select_for_update()
        .filter(public_id=notice_id, person=person)
        .first()
    )
    if notice is None:
        raise NotFound("No such notice.")
    return notice


def _still_pausing(notice: ReliabilityNotice, *, now: datetime) -> None:
    if notice.kind != NoticeKind.PAUSE:
        raise DomainError("not_a_pause", "Only an automatic pause can be contested.", status=409)
    if notice.lifted_at is not None:
        raise DomainError("pause_lifted", "This pause has already been lifted.", status=409)
    if notice.ends_at <= now:
        raise DomainError("pause_over", "This pause has already ended.", status=409)


@transaction.atomic
def reliability_contest(*, person: User, notice_id: object, text: str | None) -> ReliabilityNotice:
    """The paused person says why the pause is wrong, once, while it lasts; staff decide."""
    notice = _notice_of(person=person, notice_id=notice_id)
    text = clean_text(
        text, field="text", label="Your explanation", max_length=MAX_NOTE, required=True
    )
    now = clock.now()
    _still_pausing(notice, now=now)
    if notice.contested_at is not None:
        raise DomainError("already_contested", "You have already contested this pause.", status=409)
    notice.contested_at, notice.contest_text = now, text
    notice.save(update_fields=["contested_at", "contest_text"])
    return notice


def _pause_for_decision(*, staff: User, notice_id: object, reason: str | None):
    """The person (locked), their pause in force, the cleaned reason and the time, for a
    staff decision on the pause."""
    if not staff.is_staff:
        raise PermissionDenied("Only staff decide on a pause.")
    if not isinstance(notice_id, str):
        raise NotFound("No such notice.")
    found = ReliabilityNotice.objects.filter(public_id=notice_id).values_list("person_id").first()
    if found is None:
        raise NotFound("No such notice.")
    person = User.objects.select_for_update().get(pk=found[0])
    notice = _notice_of(person=person, notice_id=notice_id)
    reason = clean_text(reason, field="reason", label="Reason", max_length=MAX_NOTE, required=True)
    now = clock.now()
    _still_pausing(notice, now=now)
    return person, notice, reason, now


@transaction.atomic
def reliability_pause_lift(
    *, staff: User, notice_id: object, reason: str | None
) -> ReliabilityNotice:
    """Staff lift an automatic pause (after a contest, or a mediator's decision) with a
    reason the person reads; they can book and be booked again at once."""
    person, notice, reason, now = _pause_for_decision(
        staff=staff, notice_id=notice_id, reason=reason
    )
    notice.lifted_at, notice.lifted_by, notice.lift_reason = now, staff, reason
    notice.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    person.paused_until = None
    person.save(update_fields=["paused_until"])
    notice.person = person
    _notify(
        notice,
        title="Your pause is lifted",
        body=f"Staff lifted the pause on your account: you can book and be booked again.\n\n"
        f"Their reason: {reason}",
    )
    return notice


@transaction.atomic
def reliability_pause_keep(
    *, staff: User, notice_id: object, reason: str | None
) -> ReliabilityNotice:
    """Staff answer a contest by keeping the pause, with a reason the person reads; it ends
    on its date and leaves the staff queue."""
    person, notice, reason, now = _pause_for_decision(
        staff=staff, notice_id=notice_id, reason=reason
    )
    if notice.contested_at is None or notice.kept_at is not None:
        raise DomainError(
            "not_awaiting_decision", "This pause has no contest waiting for a decision.", status=409
        )
    notice.kept_at, notice.kept_by, notice.keep_reason = now, staff, reason
    notice.save(update_fields=["kept_at", "kept_by", "keep_reason"])
    notice.person = person
    _notify(
        notice,
        title="Your pause stays",
        body=f"Staff looked at your contest and kept the pause: it ends on "
        f"{notice.ends_at:%d %B %Y, %H:%M} UTC.\n\nTheir reason: {reason}",
    )
    return notice


# Reads


def reliability_notices_of(*, person: User) -> QuerySet[ReliabilityNotice]:
    """The person's own warnings and pauses, newest first."""
    return ReliabilityNotice.objects.filter(person=person).order_by("-created_at", "-id")


def reliability_contested_pauses(*, staff: User) -> QuerySet[ReliabilityNotice]:
    """Pauses that were contested and are still in force, oldest contest first, for staff."""
    if not staff.is_staff:
        raise PermissionDenied("Only staff see contested pauses.")
    return (
        ReliabilityNotice.objects.select_related("person")
        .filter(
            kind=NoticeKind.PAUSE,
            contested_at__isnull=False,
            lifted_at__isnull=True,
            kept_at__isnull=True,
            ends_at__gt=clock.now(),
        )
        .order_by("contested_at", "id")
    )
