"""Exact and approximate vector search, deletions and persistence."""

import numpy as np

from headstrt.matching.engine.vectors import VectorStore


def clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dim))
    points = centres[rng.integers(0, 40, n)] + 0.4 * rng.standard_normal((n, dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def test_exact_search_and_tombstones():
    store = VectorStore(32)
    data = clustered(500)
    store.add(data)
    rows, scores = store.search(data[7], 5)
    assert rows[0] == 7 and np.isclose(scores[0], 1.0, atol=1e-5)
    store.remove([7])
    assert 7 not in store.search(data[7], 5)[0]


def test_ann_recall_against_exact_with_a_delta_segment(tmp_path):
    data = clustered(4_000)
    store = VectorStore(32, ann_threshold=1_000, nprobe=16)
    store.add(data[:3_500])
    store.build_ann()
    assert store.ann_rows == 3_500
    store.add(data[3_500:])  # recent additions stay in the exact delta
    store.remove([0, 1, 2])
    exact = VectorStore(32, ann_threshold=10**9)
    exact.add(data)
    exact.remove([0, 1, 2])
    queries = clustered(50, seed=1)
    hits = [len(set(store.search(q, 10)[0]) & set(exact.search(q, 10)[0])) / 10 for q in queries]
    assert np.mean(hits) >= 0.9
    store.save(tmp_path)
    loaded = VectorStore.load(tmp_path, 32, ann_threshold=1_000, nprobe=16)
    assert loaded.ann_rows == 3_500
    assert loaded.search(queries[0], 10)[0].tolist() == store.search(queries[0], 10)[0].tolist()


def test_search_within_rows():
    data = clustered(300)
    store = VectorStore(32)
    store.add(data)
    rows, _ = store.search(data[0], 5, within=np.array([10, 20, 30]))
    assert set(rows.tolist()) <= {10, 20, 30}


def test_zero_query_finds_nothing():
    store = VectorStore(32)
    store.add(clustered(10))
    assert len(store.search(np.zeros(32, np.float32), 5)[0]) == 0
