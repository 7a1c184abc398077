"""A small, predictable stand-in for the ranking engine, for tests that need known matches.

It applies the language, session-length and budget filters, ranks the rest by the words they
share with the situation, and explains each match by the passages holding those words. It
does not hide blocked mentors, so tests can see that the situation selectors do.
"""

import re
from datetime import timedelta

from headstrt.accounts.models import Language, MentorProfile
from headstrt.accounts.selectors import mentors_with_details
from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.matching import ranking
from headstrt.matching.query import MatchResult, MentorMatch, Reason, Relaxation, SituationQuery

_WORD = re.compile(r"\w+")
RATING = 4.6
OUTCOME_RATE = 0.75


def use_fake_ranking(monkeypatch) -> None:
    """Make ``ranking.rank_mentors`` this module's ``rank_mentors`` for one test."""
    monkeypatch.setattr(ranking, "rank_mentors", rank_mentors)


def _words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text) if len(word) > 3}


def _price(mentor: MentorProfile, query: SituationQuery) -> Money | None:
    offers = [
        offer
        for offer in mentor.offers.all()
        if not query.session_minutes or offer.minutes == query.session_minutes
    ]
    cheapest = min(offers, key=lambda offer: offer.price_minor, default=None)
    return None if cheapest is None else Money(cheapest.price_minor, mentor.currency)


def _passes(mentor: MentorProfile, query: SituationQuery, *, relax: str = "") -> bool:
    spoken = {language.code for language in mentor.user.languages.all()}
    if query.languages and relax != "language" and not spoken & set(query.languages):
        return False
    price = _price(mentor, query)
    if query.session_minutes and relax != "session_minutes" and price is None:
        return False
    if query.budget is not None and relax != "budget":
        affordable = price is not None and (
            price.minor == 0
            or (price.currency == query.budget.currency and price.minor <= query.budget.minor)
        )
        if not affordable:
            return False
    return True


def _relaxations(mentors: list[MentorProfile], query: SituationQuery) -> list[Relaxation]:
    advice = []
    if query.languages:
        names = ", ".join(
            Language.objects.filter(code__in=query.languages).values_list("name", flat=True)
        )
        count = sum(_passes(m, query, relax="language") for m in mentors)
        advice.append(
            Relaxation(
                "language",
                f"No mentor speaks {names} within your other filters: "
                f"allow any language to see {count} mentors.",
                count,
            )
        )
    if query.budget is not None:
        count = sum(_passes(m, query, relax="budget") for m in mentors)
        advice.append(
            Relaxation(
                "budget",
                f"No mentor fits within {query.budget.format()}: "
                f"relax the budget to see {count} mentors.",
                count,
            )
        )
    return [item for item in advice if item.mentors] or [
        Relaxation("all", "No mentor is available right now.", 0)
    ]


def rank_mentors(query: SituationQuery, *, limit: int = 10) -> MatchResult:
    """Mentors passing the filters, most words in common with the situation first."""
    mentors = list(
        mentors_with_details()
        .filter(is_active=True, user__is_active=True)
        .exclude(user_id=query.mentee_id)
        .order_by("pk")
    )
    eligible = [mentor for mentor in mentors if _passes(mentor, query)]
    if not eligible:
        return MatchResult(matches=[], relaxations=_relaxations(mentors, query))
    wanted = _words(query.text)
    scored = []
    for mentor in eligible:
        reasons = []
        for entry in mentor.expertise.all():
            passage = " — ".join(part for part in (entry.topic.path, entry.description) if part)
            terms = tuple(sorted(wanted & _words(passage)))
            if terms:
                reasons.append(Reason("expertise", f"Their expertise: {passage}", terms))
        terms = tuple(sorted(wanted & _words(mentor.bio)))
        if terms:
            reasons.append(Reason("bio", f"From their bio: {mentor.bio}", terms))
        shared = len({term for reason in reasons for term in reason.matched_terms})
        scored.append((shared, mentor, tuple(reasons)))
    scored.sort(key=lambda item: (-item[0], item[1].pk))
    best = max(scored[0][0], 1)
    soon = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return MatchResult(
        matches=[
            MentorMatch(
                mentor=mentor,
                score=round(0.4 + 0.55 * shared / best, 3),
                reasons=reasons,
                price=_price(mentor, query),
                rating=RATING,
                reviews=3,
                outcome_rate=OUTCOME_RATE,
                next_free_slot=soon,
            )
            for shared, mentor, reasons in scored[:limit]
        ]
    )
