"""Ranks mentors for a situation: hard filters, hybrid retrieval, signals, diversity, reasons."""

from datetime import timedelta

import numpy as np
from django.db.models import Q, QuerySet

from headstrt.accounts.models import Language, MentorProfile
from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.matching import scoring, signals
from headstrt.matching.engine.index import MentorIndex
from headstrt.matching.indexing import mentor_index
from headstrt.matching.models import MentorBlock
from headstrt.matching.query import (
    MatchResult,
    MentorMatch,
    Reason,
    Relaxation,
    SituationQuery,
)

RETRIEVE = 200  # candidates taken from the index before signals re-rank them
# What signals read of every candidate; a field left out would still load, one query a mentor.
CANDIDATE_FIELDS = (
    "currency",
    "weekly_capacity",
    "is_active",
    "created_at",
    "updated_at",
    "user__id",
    "user__time_zone",
    "user__is_active",
    "user__paused_until",
)
NEWCOMER_AGE = timedelta(days=30)
NEWCOMER_BONUS = 0.05
DIVERSITY = 0.5  # weight of dissimilarity when several perspectives are asked for

# How much each signal moves the final score; relevance stays dominant (see scoring.combine).
WEIGHTS = {
    "price": 0.05,
    "language": 0.05,
    "time_zone": 0.04,
    "capacity": 0.02,
    "activity": 0.1,
    "topic": 0.15,
    "rating": 0.08,
    "outcome": 0.08,
    "reliability": 0.05,
    "availability": 0.5,  # only when a mentee asks for "as soon as possible"
    "history": 0.05,
}


def eligible_mentors(query: SituationQuery, *, relax: str = "") -> QuerySet[MentorProfile]:
    """Active, not paused mentors passing the hard filters (language, budget, length) except
    ``relax``."""
    mentors = MentorProfile.objects.filter(is_active=True, user__is_active=True).exclude(
        user__paused_until__gt=clock.now()
    )
    if query.mentee_id:
        mentors = mentors.exclude(user_id=query.mentee_id).exclude(
            user__blocked_by__mentee_id=query.mentee_id
        )
    if query.languages and relax != "language":
        mentors = mentors.filter(user__languages__code__in=query.languages)
    offer = Q()
    if query.session_minutes and relax != "session_minutes":
        offer &= Q(offers__minutes=query.session_minutes)
    if query.budget is not None and relax != "budget":
        offer &= Q(offers__price_minor=0) | Q(
            currency=query.budget.currency, offers__price_minor__lte=query.budget.minor
        )
    if offer:
        mentors = mentors.filter(offer)
    return mentors.distinct()


def _has_hard_filter(query: SituationQuery) -> bool:
    return bool(query.languages or query.budget is not None or query.session_minutes)


def _unlisted(query: SituationQuery) -> set[int]:
    """Mentor profiles no ranking for ``query`` may show whatever its filters: inactive ones
    (the index may hold them until its next reconciliation, see ``indexing._refresh``), paused
    ones, the mentee's own and those of mentors the mentee blocked. A handful, in one query
    whose every part an index answers (a condition spanning the profile and the person would
    read every mentor)."""
    profiles = MentorProfile.objects.order_by().values_list("pk", flat=True)
    parts = [
        profiles.filter(is_active=False),
        profiles.filter(user__is_active=False),
        profiles.filter(user__paused_until__gt=clock.now()),
    ]
    if query.mentee_id:
        blocked = MentorBlock.objects.filter(mentee_id=query.mentee_id).values("mentor_id")
        parts += [profiles.filter(user_id=query.mentee_id), profiles.filter(user_id__in=blocked)]
    first, *others = parts
    return set(first.union(*others, all=True))


def _allowed(query: SituationQuery, index: MentorIndex) -> set[int]:
    """The mentors ``query`` may rank, as ``eligible_mentors`` finds them. Without a hard
    filter, these are the indexed mentors but the few ``_unlisted``: reading every eligible id
    would cost more than the rest of a ranking. The index may still hold a mentor whose
    account was deleted since its last reconciliation; reading the candidates leaves them out."""
    if _has_hard_filter(query):
        return set(eligible_mentors(query).values_list("pk", flat=True))
    return set(index.mentor_ids) - _unlisted(query)


def _relaxations(query: SituationQuery) -> list[Relaxation]:
    """For each hard filter in use, how many mentors dropping it alone would bring back."""
    advice = []
    if query.languages:
        names = ", ".join(
            Language.objects.filter(code__in=query.languages).values_list("name", flat=True)
        )
        count = eligible_mentors(query, relax="language").count()
        advice.append(
            Relaxation(
                "language",
                f"No mentor who speaks {names} fits your other filters. "
                f"Allow other languages to see {count} mentors.",
                count,
            )
        )
    if query.budget is not None:
        count = eligible_mentors(query, relax="budget").count()
        advice.append(
            Relaxation(
                "budget",
                f"No mentor fits within {query.budget.format()} a session. "
                f"Raise or remove your budget to see {count} mentors.",
                count,
            )
        )
    if query.session_minutes:
        count = eligible_mentors(query, relax="session_minutes").count()
        advice.append(
            Relaxation(
                "session_minutes",
                f"No mentor offers {query.session_minutes}-minute sessions within your "
                f"filters. Choose another length to see {count} mentors.",
                count,
            )
        )
    return sorted((item for item in advice if item.mentors), key=lambda item: -item.mentors) or [
        Relaxation(
            "all", "No mentor is available right now. Try again later or widen your filters.", 0
        )
    ]


def _is_newcomer(mentor: MentorProfile) -> bool:
    return clock.now() - mentor.created_at < NEWCOMER_AGE


def _bounded_newcomers(ranked, mentors, *, limit: int):
    """Give newcomers a small bonus, but let at most a fifth of the top ``limit`` be there
    only because of it; the others keep their place further down."""
    quota = max(1, limit // 5)
    base_rank = {candidate.mentor_id: rank for rank, (candidate, _) in enumerate(ranked)}
    newcomers = {pk for pk, mentor in mentors.items() if _is_newcomer(mentor)}
    boosted = sorted(
        (
            (candidate, score + (NEWCOMER_BONUS if candidate.mentor_id in newcomers else 0.0))
            for candidate, score in ranked
        ),
        key=lambda pair: -pair[1],
    )
    top, rest, promoted = [], [], 0
    for candidate, score in boosted:
        by_bonus = candidate.mentor_id in newcomers and base_rank[candidate.mentor_id] >= limit
        if len(top) < limit and (not by_bonus or promoted < quota):
            top.append((candidate, score))
            promoted += by_bonus
        else:
            rest.append((candidate, score))
    return top + rest


def _diversify(ranked, *, limit: int):
    """Maximal marginal relevance: each next mentor is relevant and unlike those chosen."""
    chosen, pool = [], list(ranked)
    while pool and len(chosen) < limit:

        def marginal(pair):
            candidate, score = pair
            similarities = [
                float(np.dot(candidate.vector, other.vector))
                for other, _ in chosen
                if candidate.vector is not None and other.vector is not None
            ]
            return (1 - DIVERSITY) * score - DIVERSITY * max(similarities, default=0.0)

        best = max(pool, key=marginal)
        pool.remove(best)
        chosen.append(best)
    return chosen


PASSAGE_NAMES = {"session": "past session"}


def _reasons(candidate, mentor: MentorProfile, values) -> tuple[Reason, ...]:
    """Which passages matched which words, then what the signals noticed."""
    reasons = []
    for evidence in candidate.evidence:
        label = PASSAGE_NAMES.get(evidence.kind, evidence.kind)
        words = ", ".join(f"“{term}”" for term in evidence.matched_terms[:5])
        lead = (
            f"Your words {words} match their {label}"
            if words
            else (f"Close in meaning to their {label}")
        )
        reasons.append(Reason(evidence.kind, f"{lead}: {evidence.text}", evidence.matched_terms))
    for name, by_mentor in values.items():
        value = by_mentor.get(mentor.pk)
        if value is not None and value.reason:
            reasons.append(Reason(name, value.reason))
    if _is_newcomer(mentor):
        reasons.append(Reason("newcomer", "New on Headstrt"))
    return tuple(reasons)


def _track_record(mentor_id: int, values) -> dict:
    """Rating, review count and outcome rate as the rating and outcome signals found them."""
    rating = values.get("rating", {}).get(mentor_id)
    outcome = values.get("outcome", {}).get(mentor_id)
    return {
        "rating": getattr(rating, "stars", None),
        "reviews": getattr(rating, "reviews", 0),
        "outcome_rate": getattr(outcome, "rate", None),
    }


def _price(mentor: MentorProfile, query: SituationQuery) -> Money | None:
    offer = signals.cheapest_fitting_offer(mentor, query)
    return None if offer is None else Money(offer.price_minor, mentor.currency)


def _candidate_profiles(query: SituationQuery, mentor_ids: list[int]) -> dict[int, MentorProfile]:
    """The retrieved mentors with what the signals read: the profile's own figures and the
    person's zone; offers and languages only when the situation asks something of them (a
    budget or a time, languages; the topic signal reads expertise as plain rows). The rest
    of a card is read
    only for the few mentors shown (``mentors_with_details``): for every candidate it would
    cost more than the whole rest of a ranking."""
    lookups = []
    if query.budget is not None or query.as_soon_as_possible or query.window_start:
        lookups.append("offers")
    if query.languages:
        lookups.append("user__languages")
    profiles = (
        MentorProfile.objects.select_related("user")
        .only(*CANDIDATE_FIELDS)
        .prefetch_related(*lookups)
        .filter(pk__in=mentor_ids)
    )
    return {profile.pk: profile for profile in profiles}


def rank_mentors(query: SituationQuery, *, limit: int = 10) -> MatchResult:
    """The mentors that best fit ``query``, best first, each with an explanation."""
    index = mentor_index()
    allowed = _allowed(query, index)
    if not allowed:
        return MatchResult(matches=[], relaxations=_relaxations(query))
    notices = []
    candidates = index.search(query.text, limit=RETRIEVE, allowed=allowed)
    if not candidates:
        notices.append(
            "We found nothing in mentor profiles close to your words, so these mentors are "
            "ranked by your filters and preferences. Adding detail may help."
        )
        candidates = index.fallback_candidates(sorted(allowed)[:RETRIEVE])
    mentors = _candidate_profiles(query, [c.mentor_id for c in candidates])
    candidates = [c for c in candidates if c.mentor_id in mentors]
    if not candidates:  # each one retrieved was deleted since the index last reconciled
        return MatchResult(matches=[], relaxations=_relaxations(query))
    values = signals.collect(query=query, mentors=mentors)
    ranked = scoring.combine(
        candidates,
        signals={name: {k: v.value for k, v in by.items()} for name, by in values.items()},
        weights=WEIGHTS,
    )
    ranked = _bounded_newcomers(ranked, mentors, limit=limit)
    ranked = _diversify(ranked, limit=limit) if query.perspectives > 1 else ranked[:limit]
    # The cards of the mentors shown, with the policy their next free slot needs; a match
    # card shows neither areas of expertise nor a lowest price, so they are not read.
    details = (
        MentorProfile.objects.select_related("user", "scheduling_policy")
        .defer("search_text")
        .prefetch_related("offers", "user__languages")
    )
    shown = {
        mentor.pk: mentor for mentor in details.filter(pk__in=[c.mentor_id for c, _ in ranked])
    }
    ranked = [(candidate, score) for candidate, score in ranked if candidate.mentor_id in shown]
    free = signals.free_slots_for(query, shown)
    return MatchResult(
        matches=[
            MentorMatch(
                mentor=shown[candidate.mentor_id],
                score=round(min(max(score, 0.0), 1.0), 3),
                reasons=_reasons(candidate, shown[candidate.mentor_id], values),
                price=_price(shown[candidate.mentor_id], query),
                next_free_slot=free.get(candidate.mentor_id),
                **_track_record(candidate.mentor_id, values),
            )
            for candidate, score in ranked
        ],
        notices=notices,
    )
