"""What past sessions tell matching: ratings, outcome rates, reliability and the mentee's history.

Each provider asks for every mentor of a ranking at once (one bulk read each), and says
nothing about mentors without data, who then get the neutral value.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from headstrt.accounts.models import Topic
from headstrt.matching.query import SituationQuery
from headstrt.matching.scoring import NEUTRAL
from headstrt.matching.signals import SignalValue
from headstrt.reviews.outcomes import outcome_rates, outcome_rates_on_topic
from headstrt.reviews.reliability import reliability_of
from headstrt.reviews.reputation import ratings_given_by, ratings_of
from headstrt.scheduling.models import Party

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


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _stars(stars: float) -> str:
    return f"{stars:.0f}" if stars == round(stars) else f"{stars:.1f}"


class MentorRating:
    """Mentees' Bayesian-averaged stars for the mentor: (average - 1) / 4."""

    name = "rating"

    def values(self, *, query, mentors):
        ratings = ratings_of([m.user_id for m in mentors.values()], party=Party.MENTOR)
        found = {}
        for mentor_id, mentor in mentors.items():
            rating = ratings.get(mentor.user_id)
            if rating is not None and rating.count:
                found[mentor_id] = RatingValue(
                    (rating.average - 1) / 4,
                    f"Rated {rating.average:.1f} from {_plural(rating.count, 'review')}",
                    stars=rating.average,
                    reviews=rating.count,
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
        ids = list(mentors)
        topic = situation_topic(query)
        if topic:
            by_topic, overall = outcome_rates_on_topic(ids, topic_slug=topic.slug)
        else:
            by_topic, overall = {}, outcome_rates(ids)
        found = {}
        for mentor_id in ids:
            on_topic = mentor_id in by_topic
            rate = by_topic.get(mentor_id) or overall.get(mentor_id)
            if rate is None or not rate.count:
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
        records = reliability_of([m.user_id for m in mentors.values()], response_hours=False)
        found = {}
        for mentor_id, mentor in mentors.items():
            record = records.get(mentor.user_id)
            if record is None:
                continue
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


class MenteeHistory:
    """Mentors the mentee rated well before are worth seeing again; poorly, less so."""

    name = "history"

    def values(self, *, query, mentors):
        if not query.mentee_id:
            return {}
        given = ratings_given_by(query.mentee_id, [m.user_id for m in mentors.values()])
        found = {}
        for mentor_id, mentor in mentors.items():
            stars = given.get(mentor.user_id)
            if stars is not None:
                found[mentor_id] = SignalValue(
                    (stars - 1) / 4, f"You rated them {_stars(stars)}★ before"
                )
        return found


PROVIDERS = (MentorRating(), MentorOutcomes(), MentorReliability(), MenteeHistory())
