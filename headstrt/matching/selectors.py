"""Reads of situations and blocks, checked for who asks; and a situation's ranked matches."""

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from headstrt.accounts.models import User
from headstrt.accounts.validation import clean_int
from headstrt.core.errors import NotFound, PermissionDenied
from headstrt.core.money import Money
from headstrt.matching.models import MentorBlock, Situation, SituationShare
from headstrt.matching.query import MAX_PERSPECTIVES, MatchResult, SituationQuery

MAX_MATCHES = 50


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


def situation_query(situation: Situation) -> SituationQuery:
    """The situation as the ranking sees it: its words plus its filters and preferences."""
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
        languages=tuple(sorted(language.code for language in situation.languages.all())),
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


def situation_matches(*, situation: Situation, viewer: User | None, limit: int = 10) -> MatchResult:
    """The mentors that best fit the situation, explained; only its mentee may ask."""
    _check_owner(situation, viewer, action="see its matches")
    limit = clean_int(limit, field="limit", label="Limit", minimum=1, maximum=MAX_MATCHES)
    # Imported here: the engine loads its index and model, which only ranking should pay for.
    from headstrt.matching import ranking

    result = ranking.rank_mentors(situation_query(situation), limit=limit)
    # Whatever the engine does, a person never sees themselves or a mentor they blocked.
    hidden = set(
        MentorBlock.objects.filter(mentee_id=situation.mentee_id).values_list(
            "mentor_id", flat=True
        )
    ) | {situation.mentee_id}
    return MatchResult(
        matches=[match for match in result.matches if match.mentor.user_id not in hidden],
        notices=situation_notices(situation) + list(result.notices),
        relaxations=list(result.relaxations),
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
