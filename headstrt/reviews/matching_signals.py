"""What sessions tell matching: ratings, outcome rates, reliability, recent activity,
remaining capacity and the mentee's history.

The mentors' own figures come from their kept standings (``standing.standings_of``), read
once per ranking and shared by the providers; only the mentee's history is read live. A
provider says nothing about mentors without data, who then get the neutral value.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from headstrt.accounts.models import Topic
from headstrt.core import clock
from headstrt.matching.query import SituationQuery
from headstrt.matching.scoring import NEUTRAL
from headstrt.matching.signals import SignalValue, activity_decay, shared_read
from headstrt.reviews.outcomes import outcome_rate_of
from headstrt.reviews.reputation import ratings_given_by
from headstrt.reviews.standing import standings_of

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class RatingValue(SignalValue):
    """A rating signal that also carries the figures a match shows."""

    stars: float = 0.0  # Bayesian average, 1..5
    reviews: int = 0


@dataclass(frozen=True)
class OutcomeValue(SignalValue):
    """An outcome signal that also carries the rate a match shows."""

    rate: float = 0.0
    sessions: int = 0


def _standings(mentors):
    return shared_read("standings", lambda: standings_of(mentors))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _stars(stars: float) -> str:
    return f"{stars:.0f}" if stars == round(stars) else f"{stars:.1f}"


class MentorRating:
    """Mentees' Bayesian-averaged stars for the mentor: (average - 1) / 4."""

    name = "rating"

    def values(self, *, query, mentors):
        standings = _standings(mentors)
        found = {}
        for mentor_id in mentors:
            standing = standings[mentor_id]
            if standing.reviews:
                found[mentor_id] = RatingValue(
                    (standing.stars - 1) / 4,
                    f"Rated {standing.stars:.1f} from {_plural(standing.reviews, 'review')}",
                    stars=standing.stars,
                    reviews=standing.reviews,
                )
        return found


@lru_cache(maxsize=4096)
def _name_words(name: str) -> frozenset[str]:
    return frozenset(_WORD.findall(name.lower()))


def situation_topic(query: SituationQuery) -> Topic | None:
    """The topic a situation is about: the one the mentee chose, else the taxonomy topic whose
    name the text spells out in full (the longest such name wins)."""
    if query.topic:
        return Topic.objects.select_related("parent").filter(slug=query.topic).first()
    words = {word.lower() for word in _WORD.findall(query.text)}
    if not words:
        return None
    # Names and ids only (the taxonomy has hundreds of topics, one ranking needs one); the
    # words of each name are worked out once per process.
    leaves = Topic.objects.filter(parent__isnull=False).order_by().values_list("pk", "name")
    named = [(len(name), -pk) for pk, name in leaves if _name_words(name) <= words]
    if not named:
        return None
    return Topic.objects.select_related("parent").filter(pk=-max(named)[1]).first()


class MentorOutcomes:
    """How often the mentor's mentees reached their objective: on the situation's topic when
    it is known and the mentor has answers there, else over all their sessions."""

    name = "outcome"

    def values(self, *, query, mentors):
        standings = _standings(mentors)
        topic = situation_topic(query)
        found = {}
        for mentor_id in mentors:
            tallies = standings[mentor_id].outcomes
            on_topic = outcome_rate_of(tallies, topic=topic) if topic else None
            rate = on_topic or outcome_rate_of(tallies)
            if rate is None:
                continue
            where = f" on {topic.path}" if on_topic else ""
            found[mentor_id] = OutcomeValue(
                rate.rate,
                f"Objective reached in {rate.reached} of {_plural(rate.count, 'session')}{where}",
                rate=rate.rate,
                sessions=rate.count,
            )
        return found


class MentorReliability:
    """Keeping appointments is expected, so only lapses move a mentor: a clean record is
    worth the neutral value, as is no record at all (newcomers are not held back), and each
    lapse lowers it (half the reliability score). Only lapses are worth a reason."""

    name = "reliability"

    def values(self, *, query, mentors):
        standings = _standings(mentors)
        found = {}
        for mentor_id in mentors:
            record = standings[mentor_id].reliability
            lapses = record.no_shows + record.late_changes + record.late_joins
            if not (record.sessions or lapses):
                continue
            if record.no_shows:
                reason = f"Missed {_plural(record.no_shows, 'session')} recently"
            elif record.late_changes >= 2:
                reason = f"Changed {record.late_changes} sessions at short notice recently"
            else:
                reason = ""
            found[mentor_id] = SignalValue(NEUTRAL * record.score, reason)
        return found


class RecentActivity:
    """Mentors active lately answer sooner and know the current state of things: the later
    of their last session and their last profile change."""

    name = "activity"

    def values(self, *, query, mentors):
        standings = _standings(mentors)
        now = clock.now()
        values = {}
        for mentor_id, mentor in mentors.items():
            latest = max(
                mentor.updated_at, standings[mentor_id].last_session_end or mentor.updated_at
            )
            values[mentor_id] = SignalValue(activity_decay((now - latest) / timedelta(days=1)))
        return values


class RemainingCapacity:
    """Mentors with room left in the coming week can take the session sooner: the sessions
    they have in the next seven days count against their weekly capacity."""

    name = "capacity"

    def values(self, *, query, mentors):
        standings = _standings(mentors)
        now = clock.now()
        scores = {}
        for mentor_id, mentor in mentors.items():
            left = max(mentor.weekly_capacity - standings[mentor_id].sessions_in_week(now), 0)
            reason = "" if left else "Fully booked this week"
            scores[mentor_id] = SignalValue(min(left, 10) / 10, reason)
        return scores


class MenteeHistory:
    """Mentors the mentee rated well before are worth seeing again; poorly, less so."""

    name = "history"

    def values(self, *, query, mentors):
        if not query.mentee_id:
            return {}
        given = ratings_given_by(query.mentee_id)
        found = {}
        for mentor_id, mentor in mentors.items():
            stars = given.get(mentor.user_id)
            if stars is not None:
                found[mentor_id] = SignalValue(
                    (stars - 1) / 4, f"You rated them {_stars(stars)}★ before"
                )
        return found


PROVIDERS = (
    RemainingCapacity(),
    RecentActivity(),
    MentorRating(),
    MentorOutcomes(),
    MentorReliability(),
    MenteeHistory(),
)
