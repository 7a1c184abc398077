"""Incremental BM25 gives the same scores as a fresh build."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from headstrt.matching.engine.lexical import BM25Index

WORDS = st.sampled_from(["mentor", "salary", "family", "plan", "code", "grief", "move", "debt"])
DOCS = st.lists(st.lists(WORDS, min_size=0, max_size=8), min_size=1, max_size=12)


def fresh(documents: dict[int, list[str]]) -> dict[int, float]:
    index, numbers = BM25Index(), {}
    for key, tokens in documents.items():
        numbers[index.add(tokens)] = key
    docs, scores = index.scores(["salary", "plan", "grief"])
    return {numbers[d]: s for d, s in zip(docs.tolist(), scores.tolist(), strict=True)}


@settings(max_examples=60, deadline=None)
@given(DOCS, st.lists(st.integers(min_value=0, max_value=11)), st.booleans())
def test_updates_match_a_fresh_build(documents, removals, merge_midway):
    index, live, key_of = BM25Index(), {}, {}
    for key, tokens in enumerate(documents):
        key_of[index.add(tokens)] = key
        live[key] = tokens
        if merge_midway and key == len(documents) // 2:
            index.merge()
    for key in removals:
        if key in live:
            index.remove(next(d for d, k in key_of.items() if k == key))
            del live[key]
    for key, tokens in list(live.items())[:2]:  # replace: remove then add again
        index.remove(next(d for d, k in key_of.items() if k == key and index._alive.view()[d]))
        key_of[index.add(tokens)] = key
    docs, scores = index.scores(["salary", "plan", "grief"])
    incremental = {key_of[d]: s for d, s in zip(docs.tolist(), scores.tolist(), strict=True)}
    expected = fresh(live)
    assert incremental.keys() == expected.keys()
    for key, value in expected.items():
        assert np.isclose(incremental[key], value, rtol=1e-5)


def test_rarer_terms_weigh_more_and_vocabulary_grows():
    index = BM25Index()
    for text in (["salary", "plan"], ["plan"], ["plan", "move"]):
        index.add(text)
    docs, scores = index.scores(["salary", "plan"])
    assert docs.tolist() == [0, 1, 2] and scores[0] == scores.max()
    index.add(["brand", "new"])
    assert index.scores(["brand"])[0].tolist() == [3]


def test_round_trip_through_arrays():
    index = BM25Index()
    for text in (["salary", "plan"], ["plan"], ["grief"]):
        index.add(text)
    index.remove(1)
    copy = BM25Index.from_arrays(index.arrays())
    assert np.allclose(copy.scores(["plan", "grief"])[1], index.scores(["plan", "grief"])[1])
    copy.add(["plan", "plan"])
    assert copy.scores(["plan"])[0].tolist() == [0, 3]


def test_unknown_or_empty_query_scores_nothing():
    index = BM25Index()
    assert len(index.scores(["salary"])[0]) == 0
    index.add(["salary"])
    assert len(index.scores([])[0]) == 0 and len(index.scores(["unknown"])[0]) == 0
