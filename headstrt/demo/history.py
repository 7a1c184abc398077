"""Deterministic sketches of the demo marketplace's past: sessions, reviews, outcomes, lapses.

Each mentor's past draws from its own random generator (seed, kind and index), so the same
population always gets the same history. Days are counted back from the run's moment, so
the history always covers the last few months. Nothing here touches the database.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from headstrt.demo import prose

HISTORY_DAYS = 120
# About three sessions per mentor on average; a few busy mentors have a dozen.
SESSION_COUNTS = ((0, 1, 2, 3, 4, 5, 6, 8, 10, 12), (10, 14, 18, 16, 13, 10, 8, 6, 3, 2))
NO_SHOW_SHARE = 0.03
LATE_CANCELLATION_SHARE = 0.03
MENTEE_REVIEW_SHARE = 0.8
MENTOR_REVIEW_SHARE = 0.65
RESULT_SHARE = 0.85
HELD_SHARE = 0.7
REVIEW_WINDOW_DAYS = 14
FOLLOW_UP_DAYS = 30

OBJECTIVES = (
    "Leave with a clear next step on {topic}",
    "Decide what to do first about {topic}",
    "Get a second opinion on my plan for {topic}",
    "Prepare the conversation I have to have about {topic}",
    "Understand my options with {topic}",
)
# What mentees write about their mentor, by the stars they gave.
ABOUT_MENTORS = {
    5: (
        "Clear, kind and practical. I left with a plan for {topic}.",
        "Exactly what I needed: straight answers about {topic} and a next step.",
        "Listened first, then asked the question I had been avoiding. Worth every minute.",
        "Knew {topic} inside out and shared real examples. Highly recommended.",
        "A short session that saved me weeks of going round in circles.",
    ),
    4: (
        "Helpful and well prepared. I would have liked a little more time on {topic}.",
        "Good advice on {topic}; a few points were general, but the next step is clear.",
        "Friendly and sharp. The session ran slightly over, which I did not mind.",
    ),
    3: (
        "Some useful ideas about {topic}, but we stayed on the surface.",
        "Pleasant session, though I expected more concrete advice.",
    ),
    2: (
        "Started late and felt rushed. Little of it applied to my situation.",
        "The advice on {topic} was generic; I could have found it online.",
    ),
    1: ("Did not seem to have read my objective, and ended early.",),
}
# What mentors write about their mentee.
ABOUT_MENTEES = {
    5: (
        "Came well prepared with a clear question. A pleasure to work with.",
        "Sent the context beforehand and was open to tough feedback.",
        "Knew exactly what they wanted from the session and acted on it.",
    ),
    4: (
        "Good questions about {topic}; a bit more preparation would have helped.",
        "Engaged and open. We could have narrowed the objective earlier.",
    ),
    3: ("Friendly, but the objective changed halfway through the session.",),
    2: ("Arrived late and had not read the material we agreed on.",),
    1: ("Was dismissive for most of the session.",),
}
HELD = ("held", "partly", "not_held")


@dataclass(frozen=True)
class ReviewSketch:
    """One side's review of a past session, written ``after`` the session ended."""

    stars: int
    aspects: dict[str, int | None]
    text: str
    after: timedelta


@dataclass(frozen=True)
class SessionSketch:
    """One past session of a demo mentor; ``mentee`` is a position in the mentee pool."""

    mentee: int
    days_ago: int
    hour: int  # on the mentor's clock
    minutes: int
    topic: int  # position in the mentor's topics
    objective: str
    status: str  # completed, no_show or cancelled (late, by the side that lapsed)
    lapsed: str  # mentor or mentee: who did not show up or cancelled late
    response_hours: float  # from request to confirmation
    mentee_review: ReviewSketch | None
    mentor_review: ReviewSketch | None
    result: str
    result_after: timedelta
    held: str
    held_after: timedelta  # after the follow-up date


def _review(
    rng: random.Random, *, quality: float, texts: dict, topic: str, earliest: timedelta
) -> ReviewSketch:
    stars = min(5, max(1, round(rng.gauss(quality, 0.7))))
    aspects = {
        aspect: None if rng.random() < 0.2 else min(5, max(1, stars + rng.choice((-1, 0, 0, 1))))
        for aspect in ("preparation", "clarity", "respect")
    }
    text = rng.choice(texts[stars]).format(topic=prose.mid_sentence(topic))
    return ReviewSketch(
        stars=stars,
        aspects=aspects,
        text="" if rng.random() < 0.15 else text,
        after=earliest + timedelta(hours=rng.uniform(1, 96)),
    )


def _result(rng: random.Random, quality: float) -> str:
    # Mentors rated around 4.7 see about two objectives in three reached.
    good = min(0.9, max(0.15, (quality - 2.6) / 3))
    return rng.choices(("reached", "partly", "not_reached"), (good, 0.8 - good, 0.2))[0]


def sketch_history(
    *,
    seed: int,
    kind: str,
    index: int,
    topics: Sequence[str],
    lengths: Sequence[int],
    mentees: int,
    sessions: int | None = None,
    skip_days: int = 0,
) -> list[SessionSketch]:
    """The past sessions of mentor ``index`` of ``kind`` over the last ``HISTORY_DAYS`` days,
    oldest first, with mentees drawn from a pool of ``mentees``; ``sessions`` fixes their
    number, and ``skip_days`` keeps the most recent days free."""
    rng = random.Random(f"headstrt-demo:{seed}:history-{kind}:{index}")
    if not (topics and lengths and mentees):
        return []
    count = rng.choices(*SESSION_COUNTS)[0] if sessions is None else sessions
    days = sorted(
        rng.sample(range(skip_days + 1, HISTORY_DAYS + 1), min(count, HISTORY_DAYS - skip_days)),
        reverse=True,
    )
    # Most mentors are liked; some are merely fine.
    quality = rng.choice((4.9, 4.8, 4.7, 4.6, 4.5, 4.3, 4.0, 3.6))
    found = []
    for days_ago in days:
        topic = rng.randrange(len(topics))
        name = topics[topic]
        draw = rng.random()
        status = (
            "no_show"
            if draw < NO_SHOW_SHARE
            else "cancelled"
            if draw < NO_SHOW_SHARE + LATE_CANCELLATION_SHARE
            else "completed"
        )
        completed = status == "completed"
        age = timedelta(days=days_ago)
        window_closed = days_ago > REVIEW_WINDOW_DAYS
        mentee_review = mentor_review = None
        if completed and rng.random() < MENTEE_REVIEW_SHARE:
            mentee_review = _review(
                rng, quality=quality, texts=ABOUT_MENTORS, topic=name, earliest=timedelta()
            )
        if completed and rng.random() < MENTOR_REVIEW_SHARE:
            mentor_review = _review(
                rng, quality=4.6, texts=ABOUT_MENTEES, topic=name, earliest=timedelta()
            )
        result, held = "", ""
        result_after = timedelta(hours=rng.uniform(1, 72))
        held_after = timedelta(hours=rng.uniform(1, 120))
        answers = RESULT_SHARE if window_closed else 0.5
        if completed and result_after < age and rng.random() < answers:
            result = _result(rng, quality)
            if (
                result != "not_reached"
                and days_ago > FOLLOW_UP_DAYS
                and timedelta(days=FOLLOW_UP_DAYS) + held_after < age
                and rng.random() < HELD_SHARE
            ):
                held = rng.choices(HELD, (0.7, 0.2, 0.1))[0]
        found.append(
            SessionSketch(
                mentee=rng.randrange(mentees),
                days_ago=days_ago,
                hour=rng.randint(8, 19),
                minutes=rng.choice(sorted(lengths)),
                topic=topic,
                objective=rng.choice(OBJECTIVES).format(topic=prose.mid_sentence(name)),
                status=status,
                lapsed="" if completed else rng.choice(("mentee", "mentee", "mentor")),
                response_hours=rng.uniform(0.5, 30),
                mentee_review=mentee_review if _before(mentee_review, age) else None,
                mentor_review=mentor_review if _before(mentor_review, age) else None,
                result=result,
                result_after=result_after,
                held=held,
                held_after=held_after,
            )
        )
    return found


def _before(review: ReviewSketch | None, age: timedelta) -> bool:
    """A review exists only if its writing time has already passed."""
    return review is not None and review.after < age
