"""Outcomes of sessions' objectives: asked after the session and again 30 days later, and the
outcome rates of mentors (overall and per topic) that profiles and matching show."""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Case, Count, FloatField, Q, QuerySet, Sum, Value, When
from django.urls import reverse

from headstrt.accounts.models import MentorProfile, Topic, User
from headstrt.accounts.validation import clean_text
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.statements import quoted
from headstrt.messaging.services import notification_send
from headstrt.reviews.models import MAX_NOTE, Outcome, OutcomeHeld, OutcomeResult, Review
from headstrt.reviews.selectors import REVIEW_WINDOW
from headstrt.scheduling.models import Booking, BookingStatus

# The mentee answers "was it reached?" until this long after the end of the session.
RESULT_WINDOW = timedelta(days=14)
# "Did it hold?" is asked this long after the end, and can be answered until FOLLOW_UP_CLOSES.
FOLLOW_UP_AFTER = timedelta(days=30)
FOLLOW_UP_CLOSES = timedelta(days=60)
# The Bayesian prior of outcome rates: as if every mentor started with 3 answers worth 0.6.
PRIOR_RATE = 0.6
PRIOR_WEIGHT = 3

_RESULT_VALUE = {OutcomeResult.REACHED: 1.0, OutcomeResult.PARTLY: 0.5}
_HELD_VALUE = {OutcomeHeld.HELD: 1.0, OutcomeHeld.PARTLY: 0.5}
_FOLLOWED_UP = (OutcomeResult.REACHED, OutcomeResult.PARTLY)
_WORD = re.compile(r"[^\W_]{3,}")
_COMMON = frozenset(
    {"the", "and", "for", "with", "you", "your", "that", "this", "what", "how", "have"}
    | {"from", "want", "need", "into", "about", "are", "can", "get", "more", "not", "but"}
)


def outcome_value(result: str, held: str = "") -> float:
    """What one answered outcome is worth: reached 1, partly 0.5, not reached 0; once the
    follow-up is answered, the lower of that and whether it held (held 1, partly 0.5, not 0)."""
    value = _RESULT_VALUE.get(result, 0.0)
    if held:
        value = min(value, _HELD_VALUE.get(held, 0.0))
    return value


def bayesian_rate(total: float, count: int) -> float:
    """The outcome rate shown and used: the answers' mean, pulled toward ``PRIOR_RATE``."""
    return (PRIOR_WEIGHT * PRIOR_RATE + total) / (PRIOR_WEIGHT + count)


# The same rule as ``outcome_value``, for the database to sum.
OUTCOME_VALUE = Case(
    When(result=OutcomeResult.REACHED, held__in=["", OutcomeHeld.HELD], then=Value(1.0)),
    When(result=OutcomeResult.REACHED, held=OutcomeHeld.PARTLY, then=Value(0.5)),
    When(
        result=OutcomeResult.PARTLY,
        held__in=["", OutcomeHeld.HELD, OutcomeHeld.PARTLY],
        then=Value(0.5),
    ),
    default=Value(0.0),
    output_field=FloatField(),
)


def _words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _COMMON}


def session_topic(booking: Booking) -> Topic | None:
    """The session's topic: its situation's, else the mentor's expertise entry whose topic
    and description share the most words with the objective (the first on a tie)."""
    if booking.situation_id and booking.situation.topic_id:
        return booking.situation.topic
    objective = _words(booking.objective)
    best, best_shared = None, 0
    for entry in booking.mentor.expertise.select_related("topic__parent"):
        shared = len(objective & _words(f"{entry.topic.path} {entry.description}"))
        if shared > best_shared:
            best, best_shared = entry.topic, shared
    return best


def _notify_mentee(outcome: Outcome, *, kind: str, title: str, body: str) -> None:
    url = reverse("web:outcome", args=[outcome.booking.public_id])
    notification_send(recipient=outcome.mentee, kind=kind, title=title, body=body, url=url)


def outcome_open(*, booking: Booking) -> Outcome:
    """The outcome of a session that was just marked done, created once; the mentee is asked
    whether the objective was reached once the change commits. Runs in the caller's
    transaction (``booking_complete``)."""
    outcome = Outcome.objects.filter(booking=booking).first()
    if outcome is not None:
        return outcome
    now = clock.now()
    outcome = Outcome.objects.create(
        booking=booking,
        mentor=booking.mentor,
        mentee=booking.mentee,
        topic=session_topic(booking),
        follow_up_at=booking.end + FOLLOW_UP_AFTER,
        created_at=now,
    )
    mentor_name = booking.mentor.user.display_name
    closes = booking.end + RESULT_WINDOW
    transaction.on_commit(
        lambda: _notify_mentee(
            outcome,
            kind="outcome.asked",
            title="Did you reach your objective?",
            body=f"Your session with {mentor_name} is done. Your objective was:\n\n"
            f"{booking.objective}\n\nDid you reach it? Tell us in one click (reached, partly "
            f"or not), until {closes:%d %B %Y}. Your answer helps the next mentees choose, "
            "and we will ask again in 30 days whether it held.",
        )
    )
    return outcome


def _outcome_for_update(*, mentee: User, booking_id: object) -> Outcome:
    """The booking's outcome, locked, if ``mentee`` is its mentee; ``NotFound`` for people
    outside the session, ``PermissionDenied`` for its mentor."""
    if not isinstance(booking_id, str):
        raise NotFound("No such session.")
    booking = (
        Booking.objects.select_related("mentor")
        .filter(public_id=booking_id)
        .filter(Q(mentee=mentee) | Q(mentor__user=mentee))
        .first()
    )
    if booking is None:
        raise NotFound("No such session.")
    if booking.mentee_id != mentee.pk:
        raise PermissionDenied("Only the mentee records whether the objective was reached.")
    outcome = (
        Outcome.objects.select_for_update(of=("self",))
        .select_related("booking")
        .filter(booking=booking)
        .first()
    )
    if outcome is None or booking.status != BookingStatus.COMPLETED:
        raise DomainError(
            "session_not_completed",
            "The session is not marked as done yet; its outcome can be recorded afterwards.",
            status=409,
        )
    return outcome


def _choice(value: object, choices, *, field: str, label: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise DomainError("invalid", f"{label} is one of: {allowed}.", field=field, status=422)
    return value


@transaction.atomic
def outcome_record(*, mentee: User, booking_id: object, result: object, note: str = "") -> Outcome:
    """The mentee says whether the session's objective was reached (``reached``, ``partly``
    or ``not_reached``), from when it is marked done until 14 days after its end; they may
    change the answer until then."""
    outcome = _outcome_for_update(mentee=mentee, booking_id=booking_id)
    result = _choice(result, OutcomeResult, field="result", label="The result")
    note = clean_text(note, field="note", label="Note", max_length=MAX_NOTE)
    now = clock.now()
    closes = outcome.booking.end + RESULT_WINDOW
    if now > closes:
        raise DomainError(
            "outcome_window_closed",
            "The outcome can be recorded until 14 days after the session; that time has passed.",
            status=409,
        )
    outcome.result, outcome.result_note, outcome.result_at = result, note, now
    outcome.save(update_fields=["result", "result_note", "result_at"])
    # The mentor's "past session" passages count answered outcomes: re-index them.
    MentorProfile.objects.filter(pk=outcome.mentor_id).update(updated_at=now)
    return outcome


@transaction.atomic
def outcome_follow_up_record(
    *, mentee: User, booking_id: object, held: object, note: str = ""
) -> Outcome:
    """The mentee says whether a reached (or partly reached) objective held (``held``,
    ``partly`` or ``not_held``), from 30 to 60 days after the session; they may change the
    answer until then."""
    outcome = _outcome_for_update(mentee=mentee, booking_id=booking_id)
    held = _choice(held, OutcomeHeld, field="held", label="Whether it held")
    note = clean_text(note, field="note", label="Note", max_length=MAX_NOTE)
    now = clock.now()
    if outcome.result not in _FOLLOWED_UP:
        raise DomainError(
            "no_follow_up",
            "The follow-up is for objectives that were reached or partly reached.",
            status=409,
        )
    if now < outcome.follow_up_at:
        raise DomainError(
            "follow_up_not_open",
            f"The follow-up opens on {outcome.follow_up_at:%d %B %Y}, 30 days after the session.",
            status=409,
        )
    if now > outcome.booking.end + FOLLOW_UP_CLOSES:
        raise DomainError(
            "follow_up_closed",
            "The follow-up can be answered until 60 days after the session; that time has passed.",
            status=409,
        )
    outcome.held, outcome.held_note, outcome.held_at = held, note, now
    outcome.save(update_fields=["held", "held_note", "held_at"])
    return outcome


def outcome_follow_ups_send() -> int:
    """Ask every mentee whose objective was reached (or partly) 30 days ago whether it held,
    in the app and by email; each is asked once, however often this runs. Returns how many
    were asked."""
    now = clock.now()
    due = Outcome.objects.filter(
        follow_up_at__lte=now,
        follow_up_asked_at__isnull=True,
        result__in=_FOLLOWED_UP,
        booking__end__gte=now - FOLLOW_UP_CLOSES,
    ).values_list("pk", flat=True)
    asked = 0
    for pk in list(due):
        with transaction.atomic():
            # The conditional update is the claim: a second run, or one in parallel, finds
            # the mark already set and sends nothing.
            claimed = Outcome.objects.filter(pk=pk, follow_up_asked_at__isnull=True).update(
                follow_up_asked_at=now
            )
            if not claimed:
                continue
            outcome = Outcome.objects.select_related("booking__mentor__user", "mentee").get(pk=pk)
            booking = outcome.booking
            _notify_mentee(
                outcome,
                kind="outcome.follow_up",
                title="Did it hold?",
                body=f"A month ago, after your session with {booking.mentor.user.display_name}, "
                f"you said your objective was {outcome.get_result_display().lower()}:\n\n"
                f"{booking.objective}\n\nDid the result hold? Tell us until "
                f"{booking.end + FOLLOW_UP_CLOSES:%d %B %Y}.",
            )
            asked += 1
    return asked


# Reads


def outcome_get_for_participant(*, booking_id: object, user: User) -> Outcome | None:
    """The outcome of a session ``user`` took part in (``None`` before it is marked done);
    ``NotFound`` for anyone else.

    The mentor does not see the mentee's answer until they have reviewed the mentee or the
    review window has closed, so it cannot colour a review that is meant to be blind: the
    answer is blanked on the returned object and ``answer_hidden`` says so.
    """
    if not isinstance(booking_id, str):
        raise NotFound("No such session.")
    booking = (
        Booking.objects.filter(public_id=booking_id)
        .filter(Q(mentee=user) | Q(mentor__user=user))
        .first()
    )
    if booking is None:
        raise NotFound("No such session.")
    outcome = Outcome.objects.select_related("topic__parent").filter(booking=booking).first()
    if outcome is not None:
        outcome.answer_hidden = (
            user.pk != booking.mentee_id
            and bool(outcome.result)
            and clock.now() < booking.end + REVIEW_WINDOW
            and not Review.objects.filter(booking=booking, author=user).exists()
        )
        if outcome.answer_hidden:
            outcome.result = outcome.result_note = outcome.held = outcome.held_note = ""
            outcome.result_at = outcome.held_at = None
    return outcome


@dataclass(frozen=True)
class OutcomeWindows:
    """What the mentee may answer about a session's outcome now."""

    can_record: bool
    can_follow_up: bool
    result_closes: object
    follow_up_opens: object
    follow_up_closes: object


def outcome_windows(outcome: Outcome, *, now) -> OutcomeWindows:
    """Which answers are open at ``now``, for the forms and the API."""
    end = outcome.booking.end
    return OutcomeWindows(
        can_record=now <= end + RESULT_WINDOW,
        can_follow_up=outcome.result in _FOLLOWED_UP
        and outcome.follow_up_at <= now <= end + FOLLOW_UP_CLOSES,
        result_closes=end + RESULT_WINDOW,
        follow_up_opens=outcome.follow_up_at,
        follow_up_closes=end + FOLLOW_UP_CLOSES,
    )


@dataclass(frozen=True)
class OutcomeRate:
    """A mentor's outcome rate (Bayesian, 0..1) over ``count`` answered outcomes, of which
    ``reached`` were fully reached."""

    rate: float
    count: int
    reached: int


def _answered() -> QuerySet[Outcome]:
    return Outcome.objects.exclude(result="").order_by()


def _rates(rows) -> OutcomeRate:
    return OutcomeRate(
        rate=bayesian_rate(rows["total"] or 0.0, rows["count"]),
        count=rows["count"],
        reached=rows["reached"],
    )


_RATE_COLUMNS = {
    "total": Sum(OUTCOME_VALUE),
    "count": Count("pk"),
    "reached": Count("pk", filter=Q(result=OutcomeResult.REACHED)),
}


def outcome_rates(mentor_ids: Iterable[int]) -> dict[int, OutcomeRate]:
    """Outcome rates of mentors over all their sessions, keyed by ``MentorProfile`` id, in
    one query (on a topic: ``outcome_rate_of``). Mentors with no answered outcome are
    absent."""
    rows = (
        _answered()
        .filter(mentor_id__in=list(mentor_ids))
        .values("mentor_id")
        .annotate(**_RATE_COLUMNS)
    )
    return {row["mentor_id"]: _rates(row) for row in rows}


@dataclass(frozen=True)
class OutcomeTally:
    """A mentor's answered outcomes on one topic (``topic_id`` ``None``: no known topic),
    with that topic's parent: their summed values, how many and how many were fully
    reached."""

    topic_id: int | None
    parent_id: int | None
    total: float
    count: int
    reached: int

    def is_on(self, topic: Topic) -> bool:
        """Whether these sessions were on ``topic`` or one below it."""
        return topic.pk in (self.topic_id, self.parent_id)


def outcome_tallies(mentor_ids: Iterable[int]) -> dict[int, tuple[OutcomeTally, ...]]:
    """Each mentor's answered outcomes tallied per topic, in one query, for working out
    ``outcome_rate_of`` overall or on any topic without reading outcomes again. Mentors
    with no answered outcome are absent."""
    rows = (
        _answered()
        .filter(mentor_id__in=list(mentor_ids))
        .values("mentor_id", "topic_id", "topic__parent_id")
        .annotate(**_RATE_COLUMNS)
    )
    tallies: dict[int, list[OutcomeTally]] = {}
    for row in rows:
        tallies.setdefault(row["mentor_id"], []).append(
            OutcomeTally(
                topic_id=row["topic_id"],
                parent_id=row["topic__parent_id"],
                total=row["total"] or 0.0,
                count=row["count"],
                reached=row["reached"],
            )
        )
    return {mentor_id: tuple(found) for mentor_id, found in tallies.items()}


def outcome_rate_of(
    tallies: Iterable[OutcomeTally], *, topic: Topic | None = None
) -> OutcomeRate | None:
    """The outcome rate over ``tallies`` (only those on ``topic`` or one below it, when
    given); ``None`` without an answered outcome there."""
    chosen = [tally for tally in tallies if topic is None or tally.is_on(topic)]
    if not chosen:
        return None
    return _rates(
        {
            "total": sum(tally.total for tally in chosen),
            "count": sum(tally.count for tally in chosen),
            "reached": sum(tally.reached for tally in chosen),
        }
    )


@dataclass(frozen=True)
class TopicOutcomes:
    """One topic of a mentor's sessions: how many, and their outcome rate when answered."""

    topic: Topic | None
    sessions: int
    rate: OutcomeRate | None


def outcome_rates_by_topic(*, mentor: MentorProfile) -> list[TopicOutcomes]:
    """The topics of the mentor's completed sessions, most sessions first, with the outcome
    rate of each (``None`` while no mentee answered); two queries."""
    rows = _topic_rows(mentor)
    return _topic_outcomes(rows, topics=_topics_of(rows, known={}))


@dataclass(frozen=True)
class MentorOutcomes:
    """A mentor's outcome rate over all their sessions (``None`` without an answer) and
    their topics, as ``outcome_rates_by_topic`` lists them."""

    overall: OutcomeRate | None
    topics: list[TopicOutcomes]


def mentor_outcomes(*, mentor: MentorProfile, known_topics: Iterable[Topic] = ()) -> MentorOutcomes:
    """The mentor's outcome rates, overall and by topic, in one query: the overall rate is
    summed from the topics' rows. The topics' names are read in a second one, unless all
    are among ``known_topics`` (loaded with their parents, as the mentor's expertise is)."""
    rows = _topic_rows(mentor)
    answered = [row for row in rows if row["count"]]
    overall = None
    if answered:
        overall = _rates(
            {key: sum(row[key] or 0 for row in answered) for key in ("total", "count", "reached")}
        )
    known = {topic.pk: topic for topic in known_topics}
    return MentorOutcomes(
        overall=overall, topics=_topic_outcomes(rows, topics=_topics_of(rows, known=known))
    )


def _topic_rows(mentor: MentorProfile) -> list[dict]:
    """The mentor's outcomes counted per topic (``topic_id`` ``None``: no known topic): all
    of them as ``sessions``, and the answered ones' values summed (``outcome_value``),
    counted and how many were fully reached. One short statement written once: the
    database counts each answer, the values are summed here."""
    with connection.cursor() as cursor:
        cursor.execute(_topic_answers_statement(connection.vendor), [mentor.pk])
        answers = cursor.fetchall()
    rows: dict[int | None, dict] = {}
    for topic_id, result, held, n in answers:
        row = rows.setdefault(
            topic_id,
            {"topic_id": topic_id, "sessions": 0, "total": None, "count": 0, "reached": 0},
        )
        row["sessions"] += n
        if result:
            row["total"] = (row["total"] or 0.0) + n * outcome_value(result, held)
            row["count"] += n
            row["reached"] += n if result == OutcomeResult.REACHED else 0
    return list(rows.values())


@functools.cache
def _topic_answers_statement(vendor: str) -> str:
    """How many of a mentor's outcomes have each topic, result and follow-up answer."""
    columns = ", ".join(quoted(Outcome, name) for name in ("topic", "result", "held"))
    return f"""
        SELECT {columns}, COUNT(*) FROM {quoted(Outcome)}
         WHERE {quoted(Outcome, "mentor")} = %s GROUP BY {columns}
    """


def _topics_of(rows: list[dict], *, known: dict[int, Topic]) -> dict[int, Topic]:
    """The topics the rows name, with their parents: those in ``known``, the rest read."""
    missing = [row["topic_id"] for row in rows if row["topic_id"] and row["topic_id"] not in known]
    return {**known, **Topic.objects.select_related("parent").in_bulk(missing)}


def _topic_outcomes(rows: list[dict], *, topics: dict[int, Topic]) -> list[TopicOutcomes]:
    found = [
        TopicOutcomes(
            topic=topics.get(row["topic_id"]),
            sessions=row["sessions"],
            rate=_rates(row) if row["count"] else None,
        )
        for row in rows
    ]
    return sorted(found, key=lambda item: (-item.sessions, item.topic is None, str(item.topic)))


@dataclass(frozen=True)
class HeldRate:
    """How the results held 30 days on: the mean of the follow-up answers (held 1, partly
    0.5, not 0) over ``count`` answers; ``None`` without answers."""

    rate: float | None
    count: int


@dataclass(frozen=True)
class Growth:
    """What a mentor's growth page shows."""

    sessions: int
    overall: OutcomeRate | None
    topics: list[TopicOutcomes]
    held: HeldRate
    feedback: list


def mentor_growth(*, user: User, feedback_limit: int = 20) -> Growth:
    """A mentor's own growth: the topics they helped with (sessions per topic), the outcome
    rate overall and per topic, how the results held and the feedback they received.
    ``NotFound`` for someone without a mentor profile."""
    from headstrt.reviews.selectors import reviews_visible_of  # the reviews' own selectors

    mentor = MentorProfile.objects.filter(user=user).first()
    if mentor is None:
        raise NotFound("Open your mentor profile first.")
    topics = outcome_rates_by_topic(mentor=mentor)
    held = (
        Outcome.objects.filter(mentor=mentor)
        .exclude(held="")
        .order_by()
        .aggregate(
            count=Count("pk"),
            total=Sum(
                Case(
                    When(held=OutcomeHeld.HELD, then=Value(1.0)),
                    When(held=OutcomeHeld.PARTLY, then=Value(0.5)),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
            ),
        )
    )
    return Growth(
        sessions=sum(item.sessions for item in topics),
        overall=outcome_rates([mentor.pk]).get(mentor.pk),
        topics=topics,
        held=HeldRate(
            rate=held["total"] / held["count"] if held["count"] else None, count=held["count"]
        ),
        feedback=list(reviews_visible_of(user.pk, party="mentor")[:feedback_limit]),
    )
