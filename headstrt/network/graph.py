"""Who is tied to whom: the people one session, written answer, review or dispute message
away, and those two steps away (what mediator neutrality, the network page and discovery read).

Each tie kind is one query per side on indexed columns (the partial indexes of confirmed
sessions, a foreign key), for up to ``_BATCH`` people at a time, so a lookup costs a bounded
number of queries whatever the size of the platform.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from headstrt.messaging.models import Message
from headstrt.perspectives.models import AskStatus, PerspectiveAsk
from headstrt.reviews.models import Review
from headstrt.scheduling.models import Booking

# Ids per query: well under every database's limit on bound parameters.
_BATCH = 500


class TieKind(models.TextChoices):
    """What ties two people."""

    SESSION = "session", "Session"
    PERSPECTIVE = "perspective", "Written perspective"
    REVIEW = "review", "Review"
    MESSAGE = "message", "Dispute message"


@dataclass(frozen=True)
class Tie:
    """``count`` engagements of one kind between two people. ``one`` is the mentee (of a
    session or a written answer), the review's author or the message's author; ``other`` is
    the mentor, the person reviewed or a party to the dispute. ``anonymous`` written answers
    went to a request whose mentee hid their name from the mentor."""

    kind: str
    one: int
    other: int
    count: int
    anonymous: bool = False


@dataclass(frozen=True)
class TopicLink:
    """``count`` engagements of one kind on ``topic_id`` between ``one`` (the mentee) and
    ``other`` (the mentor)."""

    kind: str
    one: int
    other: int
    topic_id: int
    count: int
    anonymous: bool = False


def batches(ids: set[int]) -> Iterator[list[int]]:
    """``ids`` in sorted lists of at most ``_BATCH``, one query's worth of parameters each."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), _BATCH):
        yield ordered[start : start + _BATCH]


def _sessions():
    return Booking.objects.filter(confirmed_at__isnull=False).order_by()


def _answers():
    return PerspectiveAsk.objects.filter(status=AskStatus.ANSWERED).order_by()


def _both_sides(rows: QuerySet, columns: tuple[str, ...], sides: tuple[Q, Q], counted: bool):
    """``columns`` of ``rows`` matching either side, one side per query of a union so each
    uses its own index (an OR across a join would read every row). Counted: one row per
    pair with ``count`` last (counting rows, not ids, lets sessions and reviews be read from
    their indexes alone; a pair found from both sides is one row of the union). Not
    counted: every row, repeats included, which is cheaper when only the people matter."""
    one, other = (rows.filter(side).values_list(*columns) for side in sides)
    if counted:
        return one.annotate(count=Count("*")).union(other.annotate(count=Count("*")))
    return one.union(other, all=True)


def _session_pairs(ids: list[int], *, counted: bool) -> Iterable[tuple]:
    """(mentee, mentor[, sessions]) of sessions that were confirmed at some point, with any
    of ``ids``."""
    sides = (Q(mentee_id__in=ids), Q(mentor__user_id__in=ids))
    return _both_sides(_sessions(), ("mentee_id", "mentor__user_id"), sides, counted)


def _answer_pairs(ids: list[int], *, counted: bool) -> Iterable[tuple]:
    """(mentee, mentor, anonymous[, answers]) of written answers given, with any of ``ids``."""
    columns = ("request__mentee_id", "mentor__user_id", "request__anonymous")
    sides = (Q(request__mentee_id__in=ids), Q(mentor__user_id__in=ids))
    return _both_sides(_answers(), columns, sides, counted)


def _review_pairs(ids: list[int], *, counted: bool) -> Iterable[tuple]:
    """(author, subject[, reviews]) of reviews written or received by any of ``ids``."""
    sides = (Q(author_id__in=ids), Q(subject_id__in=ids))
    return _both_sides(Review.objects.order_by(), ("author_id", "subject_id"), sides, counted)


def _message_pairs(ids: list[int]) -> Iterable[tuple[int, int]]:
    """(author, party) for each message of a dispute's conversation and each party of its
    dispute: whoever wrote on a case is tied to both of its parties."""
    messages = Message.objects.filter(conversation__dispute__isnull=False).order_by()
    columns = (
        "author_id",
        "conversation__dispute__opener_id",
        "conversation__dispute__respondent_id",
    )
    rows = (
        messages.filter(author_id__in=ids)
        .values_list(*columns)
        .union(
            messages.filter(conversation__dispute__opener_id__in=ids).values_list(*columns),
            messages.filter(conversation__dispute__respondent_id__in=ids).values_list(*columns),
        )
    )
    for author, opener, respondent in rows:
        yield author, opener
        yield author, respondent


def _tie_querysets(batch: list[int], *, counted: bool) -> tuple:
    """(kind, rows) of the tie queries of one batch of people (messages aside)."""
    return (
        (TieKind.SESSION, _session_pairs(batch, counted=counted)),
        (TieKind.PERSPECTIVE, _answer_pairs(batch, counted=counted)),
        (TieKind.REVIEW, _review_pairs(batch, counted=counted)),
    )


def _pairs(ids: set[int]) -> Iterator[tuple[int, int]]:
    """(one, other) of every engagement of ``ids``, repeats included: the cheapest read,
    for when only the people matter (two hops of a busy mentor are tens of thousands)."""
    for batch in batches(ids):
        for _, rows in _tie_querysets(batch, counted=False):
            for one, other, *_ in rows:
                yield one, other
        yield from _message_pairs(batch)


def ties(user_ids: Iterable[int]) -> list[Tie]:
    """Every tie of any of ``user_ids``: sessions confirmed at some point (either side),
    written answers one gave the other, reviews either way, and messages on a dispute where
    the other is a party; one ``Tie`` per kind and pair of people."""
    ids = {int(pk) for pk in user_ids}
    # A pair with both people asked for comes back from two batches: the same tie twice.
    found: dict[tuple[str, int, int, bool], int] = {}
    for batch in batches(ids):
        for kind, rows in _tie_querysets(batch, counted=True):
            for row in rows:
                anonymous = kind == TieKind.PERSPECTIVE and row[2]
                found[(kind, row[0], row[1], anonymous)] = row[-1]
        for (one, other), count in Counter(_message_pairs(batch)).items():
            found[(TieKind.MESSAGE, one, other, False)] = count
    return [
        Tie(kind, one, other, count, anonymous)
        for (kind, one, other, anonymous), count in found.items()
        if one != other and (one in ids or other in ids)
    ]


def neighbour_counts(user_ids: Iterable[int]) -> Counter[int]:
    """The people with a direct tie to any of ``user_ids`` (see ``ties``), each with the
    number of engagements (sessions, answers, reviews, dispute threads) tying them to
    those people. The people themselves are not included unless tied to each other."""
    ids = {int(pk) for pk in user_ids}
    found: Counter[int] = Counter()
    for one, other in _pairs(ids):
        if one != other:
            if one in ids:
                found[other] += 1
            if other in ids:
                found[one] += 1
    return found


def neighbours(user_ids: Iterable[int]) -> set[int]:
    """The people with a direct tie to any of ``user_ids`` (see ``ties``). The people
    themselves are not included unless tied to each other."""
    return set(neighbour_counts(user_ids))


def within_two_hops(user_ids: Iterable[int]) -> set[int]:
    """The people themselves, their neighbours, and their neighbours' neighbours."""
    people = {int(pk) for pk in user_ids}
    first = neighbours(people)
    return people | first | neighbours(first - people)


def tied_within_two_hops(people: Iterable[int], candidates: Iterable[int]) -> set[int]:
    """Those of ``candidates`` within two hops of any of ``people`` (what ``within_two_hops``
    holds of them), found from both ends: a candidate is the people's neighbour, or one of
    the candidate's own neighbours is one of the people or their neighbours. Around busy
    people the second ring is tens of thousands of people; this never reads it."""
    people = {int(pk) for pk in people}
    candidates = {int(pk) for pk in candidates}
    near = people | neighbours(people)
    tied = candidates & near
    for one, other in _pairs(candidates - tied):
        if one in candidates and other in near and one != other:
            tied.add(one)
        if other in candidates and one in near and one != other:
            tied.add(other)
    return tied


def topic_links(user_id: int) -> list[TopicLink]:
    """The topics of one person's sessions (confirmed at some point; the situation's topic,
    else the one its outcome recorded, else the group session's) and of the written answers
    they asked for or gave, with the other person of each (one query)."""
    sessions = _sessions().annotate(
        kind=Value(TieKind.SESSION.value),
        topic=Coalesce("situation__topic_id", "outcome__topic_id", "group__topic_id"),
        anonymous=Value(False),
    )
    answers = _answers().annotate(
        kind=Value(TieKind.PERSPECTIVE.value),
        topic=F("request__topic_id"),
        anonymous=F("request__anonymous"),
    )
    rows = _both_sides(
        sessions.filter(topic__isnull=False),
        ("kind", "mentee_id", "mentor__user_id", "topic", "anonymous"),
        (Q(mentee_id=user_id), Q(mentor__user_id=user_id)),
        counted=True,
    ).union(
        _both_sides(
            answers.filter(topic__isnull=False),
            ("kind", "request__mentee_id", "mentor__user_id", "topic", "anonymous"),
            (Q(request__mentee_id=user_id), Q(mentor__user_id=user_id)),
            counted=True,
        )
    )
    return [
        TopicLink(kind, one, other, topic_id, count, bool(anonymous))
        for kind, one, other, topic_id, anonymous, count in rows
        if one != other
    ]
