"""Matching speed on synthetic mentor profiles: latency, build time, memory, ANN recall.

Usage: python benchmarks/matching_speed.py --mentors 10000,100000,1000000

Profiles are synthetic but text-like: each passage mixes words of one of many topics with a
few background words from the packaged model's vocabulary, so lexical postings and the
static embeddings cluster as real profiles do. For each size the engine's own index is
built (``MentorIndex.set_mentors`` then ``save``, which builds the IVF index above the
threshold), loaded back memory-mapped as a worker would, and queried with text: latency
includes tokenising and embedding the query. ANN recall@10 compares the index's semantic
passage search with an exact numpy scan of the same vectors, whose latency is also timed.
"""

import argparse
import gc
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from headstrt.matching.engine.embedding import PACKAGED_MODEL, StaticEmbedder  # noqa: E402
from headstrt.matching.engine.index import POOL, MentorIndex, Passage  # noqa: E402

TOPICS = 3000
TOPIC_WORDS = 40


def resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class SyntheticProfiles:
    """Topic-clustered texts drawn from the embedding model's own vocabulary."""

    def __init__(self, seed: int = 0):
        vocabulary = json.loads((PACKAGED_MODEL / "tokenizer.json").read_text())["model"]["vocab"]
        words = sorted(w for w in vocabulary if w.isalpha() and w.isascii() and len(w) > 3)
        self.words = np.array(words)
        self.rng = np.random.default_rng(seed)
        # A topic is a seed word and its nearest words in the model's space, so that texts
        # on one topic are close in meaning, as profiles about one subject are.
        ids = np.array([vocabulary[w] for w in words])
        rows = np.load(PACKAGED_MODEL / "embeddings.i8.npy")[ids].astype(np.float32)
        rows *= np.load(PACKAGED_MODEL / "scales.npy").reshape(-1)[ids, None]
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        seeds = self.rng.choice(len(words), TOPICS, replace=False)
        self.topics = np.argpartition(-(rows[seeds] @ rows.T), TOPIC_WORDS, axis=1)[:, :TOPIC_WORDS]
        popularity = 1.0 / np.arange(1, TOPICS + 1) ** 0.8
        self.topic_p = popularity / popularity.sum()

    def texts(self, n: int, *, topical: int, background: int) -> list[str]:
        topic = self.rng.choice(TOPICS, n, p=self.topic_p)
        picks = self.topics[topic[:, None], self.rng.integers(0, TOPIC_WORDS, (n, topical))]
        noise = self.rng.integers(0, len(self.words), (n, background))
        words = self.words[np.concatenate([picks, noise], axis=1)]
        return [" ".join(row) for row in words.tolist()]


def percentiles(seconds: list[float]) -> tuple[float, float]:
    return float(np.percentile(seconds, 50) * 1e3), float(np.percentile(seconds, 99) * 1e3)


def exact_top10(vectors: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    """The true 10 nearest rows of each query, by batched matrix products."""
    truth = []
    for start in range(0, len(queries), 64):
        block = vectors @ queries[start : start + 64].T
        truth.extend(set(column.tolist()) for column in np.argpartition(-block, 10, axis=0)[:10].T)
    return truth


def run(size: int, args, embedder, profiles: SyntheticProfiles) -> dict:
    texts = profiles.texts(size * args.passages, topical=8, background=4)
    kinds = ("expertise", "bio", "headline", "session")
    mentors = (
        (
            m,
            [
                Passage(kinds[j % 4], texts[m * args.passages + j], 1.0, "", float(m))
                for j in range(args.passages)
            ],
        )
        for m in range(size)
    )
    started = time.perf_counter()
    index = MentorIndex.empty(embedder)
    index.set_mentors(mentors)
    folder = Path(tempfile.mkdtemp(prefix="headstrt-speed-", dir=args.workdir))
    index.save(folder / "index")
    build = time.perf_counter() - started
    del index, texts, mentors
    gc.collect()

    # Serve from the saved files, memory-mapped, as a worker process does.
    before = resident_mib()
    started = time.perf_counter()
    index, _ = MentorIndex.load(folder / "index", embedder)
    load = time.perf_counter() - started
    queries = profiles.texts(args.queries, topical=6, background=2)
    for text in queries[:50]:  # warm the page cache, as a serving process would be
        index.search(text)
    latency = []
    for text in queries:
        tick = time.perf_counter()
        index.search(text, limit=args.limit)
        latency.append(time.perf_counter() - tick)
    resident = resident_mib() - before
    p50, p99 = percentiles(latency)

    # Semantic passage search (IVF above the threshold) against a plain numpy exact scan.
    vectors = np.ascontiguousarray(index.vectors.rows(np.arange(len(index.vectors))))
    query_vectors = embedder.encode(queries)
    found, semantic = [], []
    for q in query_vectors:
        tick = time.perf_counter()
        found.append(set(index.vectors.search(q, 10)[0].tolist()))
        semantic.append(time.perf_counter() - tick)
    scan = []
    for q in query_vectors[: args.scan_queries]:
        tick = time.perf_counter()
        scores = vectors @ q
        np.argpartition(-scores, 10)[:10]
        scan.append(time.perf_counter() - tick)
    truth = exact_top10(vectors, query_vectors)
    recall = float(np.mean([len(a & b) / 10 for a, b in zip(found, truth, strict=True)]))
    # The vote reads a pool of passages, so the ANN's recall deep in the list matters too.
    deep = []
    for q in query_vectors[:100]:
        want = np.argpartition(-(vectors @ q), POOL)[:POOL]
        got = index.vectors.search(q, POOL)[0]
        deep.append(len(set(want.tolist()) & set(got.tolist())) / POOL)

    disk = sum(p.stat().st_size for p in (folder / "index").iterdir()) / 2**20
    scan_p50, scan_p99 = percentiles(scan)
    semantic_p50, semantic_p99 = percentiles(semantic)
    mode = f"IVF nprobe {index.vectors.nprobe}" if index.vectors.ann_rows else "exact"
    print(
        f"mentors={size:>8d} passages={len(vectors):>8d} build {build:6.1f}s "
        f"load {load * 1e3:5.0f}ms disk {disk:6.0f}MiB rss+{resident:5.0f}MiB | "
        f"hybrid search p50 {p50:5.2f}ms p99 {p99:5.2f}ms | semantic top-10 ({mode}) "
        f"p50 {semantic_p50:5.2f}ms p99 {semantic_p99:5.2f}ms recall@10 {recall:.3f} "
        f"recall@{POOL} {np.mean(deep):.3f} | "
        f"numpy exact scan p50 {scan_p50:6.2f}ms p99 {scan_p99:6.2f}ms "
        f"= {scan_p50 / semantic_p50:.1f}x the semantic search, {scan_p50 / p50:.1f}x hybrid",
        flush=True,
    )
    del index, vectors
    shutil.rmtree(folder, ignore_errors=True)
    gc.collect()
    return {"p50": p50, "p99": p99, "recall": recall}


def label(size: int) -> str:
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", default="10000,100000,1000000")
    parser.add_argument("--passages", type=int, default=1, help="passages per mentor")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--scan-queries", type=int, default=50, help="single-query exact scans timed"
    )
    parser.add_argument("--limit", type=int, default=200, help="candidates per search")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    embedder = StaticEmbedder(PACKAGED_MODEL)
    profiles = SyntheticProfiles()
    results = {}
    for size in (int(s) for s in args.mentors.split(",")):
        results[size] = run(size, args, embedder, profiles)
    fields = [f"p99_ms_{label(size)}={r['p99']:.2f}" for size, r in results.items()]
    largest = max(results)
    fields.append(f"recall10_{label(largest)}={results[largest]['recall']:.3f}")
    print("RESULT " + " ".join(fields))


if __name__ == "__main__":
    main()
