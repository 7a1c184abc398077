"""Reputation from reviews: a Bayesian average that a handful of stars cannot game."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Min, Sum

from headstrt.core import clock
from headstrt.reviews.models import ASPECTS, STARS, Review
from headstrt.scheduling.models import Party

# Everyone starts as if they had PRIOR_WEIGHT reviews of PRIOR_MEAN stars, so one 5-star
# review (4.17) never outranks 4.8 stars from 200 reviews (4.78).
PRIOR_MEAN = 4.0
PRIOR_WEIGHT = 5
# Every number of stars a review can give, most first, as a rating's distribution lists them.
STARS_MOST_FIRST = range(STARS[1], STARS[0] - 1, -1)


def bayesian_rating(stars: Sequence[int]) -> float:
    """``(PRIOR_WEIGHT × PRIOR_MEAN + Σ stars) / (PRIOR_WEIGHT + n)``."""
    return (PRIOR_WEIGHT * PRIOR_MEAN + sum(stars)) / (PRIOR_WEIGHT + len(stars))


@dataclass(frozen=True)
class Rating:
    """A person's reputation on one side: the Bayesian ``average``, how many reviews it
    counts, how many gave each number of stars, and each aspect's plain mean (``None`` when
    no review rated it)."""

    average: float
    count: int
    distribution: dict[int, int]
    aspects: dict[str, float | None]

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """``(stars, count, percent of reviews)`` from 5 down to 1, for distribution bars."""
        return [
            (stars, n, round(100 * n / self.count) if self.count else 0)
            for stars, n in sorted(self.distribution.items(), reverse=True)
        ]


def _visible(now) -> dict:
    return {"reveal_at__lte": now, "hidden_at__isnull": True}


def ratings_of(user_ids: Iterable[int], *, party: str) -> dict[int, Rating]:
    """The ratings of these people as ``mentor`` or ``mentee``, over their visible reviews,
    in one query; people without any are absent."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = (
        Review.objects.filter(subject_id__in=ids, subject_party=party, **_visible(clock.now()))
        .values("subject_id", "stars")
        .annotate(
            n=Count("id"),
            **{f"{aspect}_sum": Sum(aspect) for aspect in ASPECTS},
            **{f"{aspect}_n": Count(aspect) for aspect in ASPECTS},
        )
        .order_by()
    )
    collected: dict[int, list[dict]] = {}
    for row in rows:
        collected.setdefault(row["subject_id"], []).append(row)
    return {subject: _rating(rows) for subject, rows in collected.items()}


def next_reveals_of(user_ids: Iterable[int], *, party: str, now: datetime) -> dict[int, datetime]:
    """When the next of each person's reviews as ``mentor`` or ``mentee`` still blind at
    ``now`` is revealed, in one query: the moment their rating changes with no write.
    People without such a review are absent."""
    rows = (
        Review.objects.filter(
            subject_id__in=list(user_ids),
            subject_party=party,
            reveal_at__gt=now,
            hidden_at__isnull=True,
        )
        .values("subject_id")
        .annotate(first=Min("reveal_at"))
        .order_by()
    )
    return {row["subject_id"]: row["first"] for row in rows}


def _rating(rows: list[dict]) -> Rating:
    distribution = dict.fromkeys(STARS_MOST_FIRST, 0)
    for row in rows:
        distribution[row["stars"]] = row["n"]
    return rating_from(
        distribution,
        sums={aspect: sum(row[f"{aspect}_sum"] or 0 for row in rows) for aspect in ASPECTS},
        counts={aspect: sum(row[f"{aspect}_n"] for row in rows) for aspect in ASPECTS},
    )


def rating_from(
    distribution: dict[int, int], *, sums: dict[str, int], counts: dict[str, int]
) -> Rating:
    """The rating of reviews that gave each number of stars as ``distribution`` (5 down to
    1) and rated each aspect ``counts`` times for ``sums`` stars in all."""
    total = sum(stars * n for stars, n in distribution.items())
    count = sum(distribution.values())
    aspects = {
        aspect: sums[aspect] / counts[aspect] if counts[aspect] else None for aspect in ASPECTS
    }
    average = (PRIOR_WEIGHT * PRIOR_MEAN + total) / (PRIOR_WEIGHT + count)
    return Rating(average=average, count=count, distribution=distribution, aspects=aspects)


def ratings_given_by(author_id: int, subject_ids: Iterable[int] | None = None) -> dict[int, float]:
    """The mean stars ``author_id`` gave each of these people (everyone they reviewed when
    ``None``: a person reviews few, and a ranking then need not list its candidates) as
    mentors, whatever the reviews' reveal state (the author knows what they wrote), leaving
    out reviews staff hid; people they never reviewed are absent."""
    rows = Review.objects.filter(
        author_id=author_id, subject_party=Party.MENTOR, hidden_at__isnull=True
    )
    if subject_ids is not None:
        ids = list(subject_ids)
        if not ids:
            return {}
        rows = rows.filter(subject_id__in=ids)
    rows = rows.values("subject_id").annotate(mean=Avg("stars")).order_by()
    return {row["subject_id"]: float(row["mean"]) for row in rows}
