"""Reads of situations and blocks, checked for who asks; and a situation's ranked matches."""

import functools
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast

from headstrt.accounts.models import MentorProfile, User
from headstrt.accounts.validation import clean_int
from headstrt.core.errors import NotFound, PermissionDenied
from headstrt.core.money import Money
from headstrt.core.statements import field_value, instance_of, quoted
from headstrt.matching.departures import mentor_departures
from headstrt.matching.models import MentorBlock, Situation, SituationShare
from headstrt.matching.query import MAX_PERSPECTIVES, MatchResult, MentorMatch, SituationQuery

MAX_MATCHES = 50
# How long a situation's ranking is kept for its mentee to reopen or page through. Short:
# capacity, availability and reviews move the ranking without changing any profile.
STORED_RANKING_SECONDS = 120


def _situations() -> QuerySet[Situation]:
    """Situations with everything their pages and API answers show, in a fixed number of queries."""
    shares = Prefetch(
        "shares", queryset=SituationShare.objects.select_related("mentor__mentor_profile")
    )
    return Situation.objects.select_related("mentee", "topic__parent").prefetch_related(
        "languages", shares
    )


def situations_for_mentee(*, mentee: User) -> QuerySet[Situation]:
    """The person's own situations, most recently changed first."""
    return _situations().filter(mentee=mentee).annotate(share_count=Count("shares"))


def situations_shared_with(*, mentor: User) -> QuerySet[Situation]:
    """Situations others shared with this person, most recently shared first (read-only)."""
    return (
        Situation.objects.select_related("mentee", "topic__parent")
        .prefetch_related("languages")
        .filter(shares__mentor=mentor)
        .annotate(shared_at=F("shares__created_at"))
        .order_by("-shared_at", "-id")
    )


def situation_get_for_viewer(*, situation_id: str, viewer: User | None) -> Situation:
    """A situation for its mentee or a mentor it is shared with; to others it does not exist."""
    if viewer is None or not viewer.is_authenticated:
        raise NotFound("No such situation.")
    shared = SituationShare.objects.filter(situation=OuterRef("pk"), mentor=viewer)
    situation = (
        _situations().filter(Q(mentee=viewer) | Exists(shared), public_id=situation_id).first()
    )
    if situation is None:
        raise NotFound("No such situation.")
    return situation


def situation_is_owned_by(situation: Situation, user: User | None) -> bool:
    """Whether ``user`` is the mentee who described ``situation``."""
    return user is not None and user.is_authenticated and situation.mentee_id == user.pk


def _check_owner(situation: Situation, user: User | None, *, action: str) -> None:
    """Refuse anyone but the mentee: a mentor it is shared with is told why, others get NotFound."""
    if situation_is_owned_by(situation, user):
        return
    if user is not None and any(share.mentor_id == user.pk for share in situation.shares.all()):
        raise PermissionDenied(f"Only the person who described this situation can {action}.")
    raise NotFound("No such situation.")


def situation_get_for_owner(*, situation_id: str, user: User | None) -> Situation:
    """The person's own situation, to change it; a mentor it is shared with may only read it."""
    situation = situation_get_for_viewer(situation_id=situation_id, viewer=user)
    _check_owner(situation, user, action="change it")
    return situation


_MATCHES_FIELDS = tuple(field.attname for field in Situation._meta.concrete_fields)


@functools.cache
def _situation_for_matches_sql(vendor: str) -> str:
    """``situation_get_for_matches``'s one statement for a database vendor, written once
    from the models' names. Besides the situation's columns: its mentee's zone, its topic's
    slug, the mentors' generation, its language codes and its mentee's blocks (joined by
    commas); found for its mentee or a mentor it is shared with."""
    join = "STRING_AGG" if vendor == "postgresql" else "GROUP_CONCAT"
    topic = Situation._meta.get_field("topic").related_model
    languages = Situation.languages.through
    situation, profiles = quoted(Situation), quoted(MentorProfile)
    columns = ", ".join(f"s.{quoted(Situation, name)}" for name in _MATCHES_FIELDS)
    shared = (
        f"EXISTS (SELECT 1 FROM {quoted(SituationShare)} h WHERE "
        f"h.{quoted(SituationShare, 'situation')} = s.{quoted(Situation, 'id')} "
        f"AND h.{quoted(SituationShare, 'mentor')} = %s)"
    )
    return f"""
        SELECT {columns}, u.{quoted(User, "time_zone")}, t.{quoted(topic, "slug")},
               (SELECT MAX({quoted(MentorProfile, "updated_at")}) FROM {profiles}),
               (SELECT {join}(l.{quoted(languages, "language")}, ',')
                  FROM {quoted(languages)} l
                 WHERE l.{quoted(languages, "situation")} = s.{quoted(Situation, "id")}),
               (SELECT {join}(CAST(b.{quoted(MentorBlock, "mentor")} AS TEXT), ',')
                  FROM {quoted(MentorBlock)} b
                 WHERE b.{quoted(MentorBlock, "mentee")} = s.{quoted(Situation, "mentee")})
          FROM {situation} s
          JOIN {quoted(User)} u ON u.{quoted(User, "id")} = s.{quoted(Situation, "mentee")}
          LEFT JOIN {quoted(topic)} t
            ON t.{quoted(topic, "id")} = s.{quoted(Situation, "topic")}
         WHERE s.{quoted(Situation, "public_id")} = %s
           AND (s.{quoted(Situation, "mentee")} = %s OR {shared})
    """


def situation_get_for_matches(*, situation_id: str, viewer: User | None) -> Situation:
    """The situation whose matches its mentee asks for, checked, in one query with what the
    stored ranking's key reads besides (the mentee's zone, its topic, the mentors'
    generation, its languages, the mentee's blocks). Other fields of the situation, its
    mentee and its topic load when first read. A mentor it is shared with is told why not;
    to others it does not exist."""
    if viewer is None or not viewer.is_authenticated or not isinstance(situation_id, str):
        raise NotFound("No such situation.")
    with connection.cursor() as cursor:
        cursor.execute(
            _situation_for_matches_sql(connection.vendor),
            [situation_id, viewer.pk, viewer.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such situation.")
    count = len(_MATCHES_FIELDS)
    situation = instance_of(Situation, _MATCHES_FIELDS, row[:count])
    zone, slug, changed, languages, blocks = row[count:]
    situation.mentee = instance_of(User, ("id", "time_zone"), (situation.mentee_id, zone))
    if situation.topic_id is not None:
        topic = Situation._meta.get_field("topic").related_model
        situation.topic = instance_of(topic, ("id", "slug"), (situation.topic_id, slug))
    situation.profiles_changed = field_value(MentorProfile, "updated_at", changed)
    situation.language_codes = languages.split(",") if languages else []
    situation.blocked_mentors = {int(mentor) for mentor in blocks.split(",")} if blocks else set()
    if not situation_is_owned_by(situation, viewer):
        raise PermissionDenied("Only the person who described this situation can see its matches.")
    return situation


def situation_query(situation: Situation, *, languages: list[str] | None = None) -> SituationQuery:
    """The situation as the ranking sees it: its words plus its filters and preferences
    (``languages``: its language codes when already read)."""
    if languages is None:
        languages = [language.code for language in situation.languages.all()]
    text = f"{situation.title}\n\n{situation.text}" if situation.title else situation.text
    budget = (
        Money(situation.budget_minor, situation.currency)
        if situation.budget_minor is not None
        else None
    )
    return SituationQuery(
        text=text,
        mentee_id=situation.mentee_id,
        time_zone=situation.mentee.time_zone,
        area=situation.area,
        topic=situation.topic.slug if situation.topic_id else "",
        budget=budget,
        languages=tuple(sorted(languages)),
        session_minutes=situation.session_minutes,
        as_soon_as_possible=situation.as_soon_as_possible,
        window_start=situation.window_start,
        window_end=situation.window_end,
        perspectives=max(1, min(situation.perspectives, MAX_PERSPECTIVES)),
    )


def situation_notices(situation: Situation) -> list[str]:
    """What the person should know about how their situation is read, e.g. a capped request."""
    if situation.perspectives_requested > situation.perspectives:
        return [
            f"You asked for {situation.perspectives_requested:,} perspectives; one situation "
            f"can have at most {MAX_PERSPECTIVES}, so we looked for {situation.perspectives} "
            "mentors with different backgrounds."
        ]
    return []


def _mentors_generation(situation: Situation) -> tuple[str, int]:
    """``mentor_index_generation``, its latest change read with the situation when it came
    from ``situation_get_for_matches``."""
    if hasattr(situation, "profiles_changed"):
        latest = situation.profiles_changed
        return (latest.isoformat() if latest else "", mentor_departures())
    # Imported here: the engine loads its index and model, which only ranking should pay for.
    from headstrt.matching.indexing import mentor_index_generation

    return mentor_index_generation()


def _languages_and_blocks(situation: Situation) -> tuple[list[str], set[int]]:
    """The situation's language codes and the mentors its mentee blocked, in one query."""
    kind = Value("language", output_field=CharField())
    languages = (
        Situation.languages.through.objects.filter(situation_id=situation.pk)
        .order_by()
        .values_list(kind, "language_id")
    )
    blocks = (
        MentorBlock.objects.filter(mentee_id=situation.mentee_id)
        .order_by()
        .values_list(Value("block", output_field=CharField()), Cast("mentor_id", CharField()))
    )
    codes, blocked = [], set()
    for row_kind, value in languages.union(blocks, all=True):
        if row_kind == "language":
            codes.append(value)
        else:
            blocked.add(int(value))
    return codes, blocked


def _stored_ranking_key(
    situation: Situation, query: SituationQuery, *, limit: int, hidden, form: str
) -> str:
    """Where a ranking is kept: the situation and its version, everything the ranking reads
    of it (its words, filters, the mentee's zone), the mentors' generation, the mentee's
    blocks, the request's options and the form it is kept in; any change to one of them is
    a new key."""
    asked = repr((query, limit, sorted(hidden), _mentors_generation(situation), form))
    digest = hashlib.sha256(asked.encode()).hexdigest()[:32]
    return f"matching:ranking:{situation.pk}:{situation.updated_at.timestamp()}:{digest}"


def situation_matches(
    *,
    situation: Situation,
    viewer: User | None,
    limit: int = 10,
    present: Callable[[list[MentorMatch]], str] | None = None,
    form: str = "",
) -> MatchResult:
    """The mentors that best fit the situation, explained; only its mentee may ask.

    The ranking is kept for ``STORED_RANKING_SECONDS`` under a key of everything it depends
    on, so a mentee reopening or paging their matches gets it back without ranking again;
    the access check comes first, so the kept ranking is only ever read for its mentee.
    ``present`` encodes the matches as an answer's JSON (in ``matches_json``, the form named by
    ``form``, part of the key), which is what is kept: a kept ranking is then served as it
    is, with no model objects to rebuild."""
    _check_owner(situation, viewer, action="see its matches")
    limit = clean_int(limit, field="limit", label="Limit", minimum=1, maximum=MAX_MATCHES)
    # Whatever the engine does, a person never sees themselves or a mentor they blocked.
    if hasattr(situation, "blocked_mentors"):  # read with ``situation_get_for_matches``
        languages, blocked = situation.language_codes, situation.blocked_mentors
    else:
        languages, blocked = _languages_and_blocks(situation)
    hidden = blocked | {situation.mentee_id}
    query = situation_query(situation, languages=languages)
    key = _stored_ranking_key(situation, query, limit=limit, hidden=hidden, form=form)
    result = cache.get(key)
    if result is None:
        from headstrt.matching import ranking

        result = ranking.rank_mentors(query, limit=limit)
        matches = [match for match in result.matches if match.mentor.user_id not in hidden]
        result = MatchResult(
            matches=[] if present else matches,
            notices=list(result.notices),
            relaxations=list(result.relaxations),
            matches_json=present(matches) if present else "",
        )
        cache.set(key, result, STORED_RANKING_SECONDS)
    return MatchResult(
        matches=result.matches,
        notices=situation_notices(situation) + result.notices,
        relaxations=result.relaxations,
        matches_json=result.matches_json,
    )


def mentor_blocks_for_mentee(*, mentee: User) -> QuerySet[MentorBlock]:
    """The mentors the person blocked, most recent first."""
    return MentorBlock.objects.filter(mentee=mentee).select_related("mentor")


def situations_export(*, mentee: User) -> dict:
    """The person's situations, shares and blocks, as JSON-ready data for "download my data"."""
    return {
        "situations": [
            {
                "id": situation.public_id,
                "title": situation.title,
                "text": situation.text,
                "area": situation.area,
                "topic": situation.topic.slug if situation.topic else None,
                "budget_minor": situation.budget_minor,
                "currency": situation.currency,
                "languages": [language.code for language in situation.languages.all()],
                "session_minutes": situation.session_minutes,
                "as_soon_as_possible": situation.as_soon_as_possible,
                "window_start": situation.window_start and situation.window_start.isoformat(),
                "window_end": situation.window_end and situation.window_end.isoformat(),
                "perspectives": situation.perspectives,
                "shared_with": [share.mentor.public_id for share in situation.shares.all()],
                "created_at": situation.created_at.isoformat(),
            }
            for situation in situations_for_mentee(mentee=mentee).prefetch_related("shares__mentor")
        ],
        "blocked_mentors": [
            block.mentor.public_id for block in mentor_blocks_for_mentee(mentee=mentee)
        ],
    }
