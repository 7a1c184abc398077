"""Final match score: retrieval relevance blended with signals beyond relevance.

    score = (relevance + sum_s w_s * v_s) / (1 + sum_s w_s)

``relevance`` is the candidate's retrieval relevance in [0, 1]; ``v_s`` is signal ``s`` for
the mentor, clipped to [0, 1] (activity, rating, outcome, reliability, price fit, language,
time-zone overlap, availability, capacity, history, ...); a mentor the signal says nothing
about gets the neutral value 0.5, so missing data neither helps nor hurts. The score stays
in [0, 1]; weights are relative to relevance, whose weight is 1.
"""

from collections.abc import Iterable, Mapping
from typing import TypeVar

NEUTRAL = 0.5

C = TypeVar("C")


def combine(
    candidates: Iterable[C],
    *,
    signals: Mapping[str, Mapping[int, float]],
    weights: Mapping[str, float],
) -> list[tuple[C, float]]:
    """Candidates with their final scores, best first (ties: higher relevance, lower id)."""
    used = {name: float(w) for name, w in weights.items() if w}
    denominator = 1.0 + sum(used.values())
    scored = []
    for candidate in candidates:
        mentor_id = candidate.mentor_id
        total = float(candidate.relevance)
        for name, weight in used.items():
            value = signals.get(name, {}).get(mentor_id)
            value = NEUTRAL if value is None else min(max(float(value), 0.0), 1.0)
            total += weight * value
        scored.append((candidate, total / denominator))
    scored.sort(key=lambda pair: (-pair[1], -pair[0].relevance, pair[0].mentor_id))
    return scored
