"""The final score blends relevance with signals; missing signals are neutral."""

import pytest

from headstrt.matching.engine.index import Candidate
from headstrt.matching.scoring import NEUTRAL, combine


def candidate(mentor_id: int, relevance: float) -> Candidate:
    return Candidate(mentor_id=mentor_id, relevance=relevance, lexical=0.0, semantic=0.0)


def test_missing_signals_are_neutral():
    ranked = combine(
        [candidate(1, 0.8), candidate(2, 0.8)],
        signals={"rating": {1: NEUTRAL}},
        weights={"rating": 0.2, "outcome": 0.1},
    )
    assert ranked[0][1] == pytest.approx(ranked[1][1])
    assert ranked[0][1] == pytest.approx((0.8 + 0.3 * NEUTRAL) / 1.3)


def test_signals_reorder_close_candidates_and_scores_stay_in_range():
    ranked = combine(
        [candidate(1, 0.9), candidate(2, 0.85)],
        signals={"rating": {1: 0.0, 2: 5.0}},  # out-of-range values are clipped
        weights={"rating": 0.3},
    )
    assert [c.mentor_id for c, _ in ranked] == [2, 1]
    assert all(0.0 <= score <= 1.0 for _, score in ranked)


def test_no_weights_keeps_relevance_order():
    ranked = combine([candidate(3, 0.2), candidate(4, 0.9)], signals={}, weights={})
    assert [(c.mentor_id, s) for c, s in ranked] == [(4, 0.9), (3, 0.2)]
