"""Matching quality on expert-finding data: the engine against a BM25-profile baseline.

Usage: python benchmarks/matching_quality.py --data ../shared/data/expert-finding/physics

Follows the protocol of the data's README: questions are replayed in chronological order;
each question of the chosen split is ranked against every user who answered an earlier
question, using only earlier questions (title, tags and body of what each user answered,
weighted by acceptance); the target is the accepted answerer. The engine's index grows
through ``MentorIndex.add_passages`` as questions go by, so the incremental path is what is
measured; ranking uses ``MentorIndex.search`` and ``scoring.combine`` as the platform does,
with the platform's activity signal (its decay and its weight). The data has no dates, only
the order of questions, so the adapter spreads the questions evenly over ``--history-days``
(ten years by default) to give each answerer's last activity an age in days.
"""

import argparse
import gzip
import json
import math
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import django
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The platform's weights and signals are read from its modules, which need Django's
# settings; no database is touched.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headstrt.settings")
django.setup()

from headstrt.matching import scoring  # noqa: E402
from headstrt.matching.engine.embedding import embedder_from_spec  # noqa: E402
from headstrt.matching.engine.index import MentorIndex, Passage  # noqa: E402
from headstrt.matching.engine.lexical import BM25Index  # noqa: E402
from headstrt.matching.engine.text import tokenize  # noqa: E402
from headstrt.matching.ranking import WEIGHTS  # noqa: E402
from headstrt.matching.signals import activity_decay  # noqa: E402


def load_questions(folder: Path) -> list[dict]:
    with gzip.open(folder / "questions.jsonl.gz", "rt", encoding="utf-8") as lines:
        questions = [json.loads(line) for line in lines]
    return sorted(questions, key=lambda q: q["order"])


def question_text(question: dict) -> str:
    tags = " ".join(tag.replace("-", " ") for tag in question.get("tags") or [])
    return f"{question.get('title') or ''}. {tags}. {question.get('body') or ''}"


def activity(candidates, now: float, *, days_per_question: float) -> dict[int, float]:
    """The platform's activity value of each candidate, from the questions since their last
    answer."""
    return {
        c.mentor_id: activity_decay((now - c.last_activity) * days_per_question)
        for c in candidates
        if c.last_activity is not None
    }


def rank_of(target: int, scores: dict[int, float]) -> float:
    """1-based rank of the target, ties counted at their expected position."""
    if target not in scores:
        return math.inf
    mine = scores[target]
    values = np.fromiter(scores.values(), float, len(scores))
    return 1 + np.count_nonzero(values > mine) + (np.count_nonzero(values == mine) - 1) / 2


def metrics(ranks: list[float]) -> dict[str, float]:
    r = np.asarray(ranks, float)
    if not len(r):
        return {"mrr": 0.0, "p1": 0.0, "ndcg10": 0.0, "r10": 0.0}
    finite = np.isfinite(r)
    return {
        "mrr": float(np.where(finite, 1 / np.where(finite, r, 1), 0).mean()),
        "p1": float((r <= 1).mean()),
        "ndcg10": float(np.where(r <= 10, 1 / np.log2(np.floor(np.minimum(r, 10)) + 1), 0).mean()),
        "r10": float((r <= 10).mean()),
    }


class ProfileBaseline:
    """BM25 over one document per user: the text of every question they answered."""

    def __init__(self):
        self.bm25 = BM25Index()
        self.counts: dict[int, Counter] = defaultdict(Counter)
        self.doc_of: dict[int, int] = {}
        self.user_of: list[int] = []
        self.changed: set[int] = set()

    def add(self, user: int, tokens: list[str]) -> None:
        self.counts[user].update(tokens)
        self.changed.add(user)

    def scores(self, tokens: list[str]) -> dict[int, float]:
        for user in self.changed:  # incremental: replace only the profiles that grew
            if user in self.doc_of:
                self.bm25.remove(self.doc_of[user])
            self.doc_of[user] = self.bm25.add(self.counts[user])
            self.user_of.append(user)
        self.changed.clear()
        docs, values = self.bm25.scores(tokens)
        found = {
            self.user_of[d]: float(v) for d, v in zip(docs.tolist(), values.tolist(), strict=True)
        }
        return {user: found.get(user, 0.0) for user in self.doc_of}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", default="test", help="which split's questions to rank")
    parser.add_argument("--embedder", default="", help="HEADSTRT_EMBEDDING_MODEL-style spec")
    parser.add_argument(
        "--history-days", type=float, default=3650, help="the days the questions spread over"
    )
    args = parser.parse_args()
    started = time.time()

    questions = load_questions(args.data)
    days_per_question = args.history_days / max(len(questions), 1)
    embedder = embedder_from_spec(args.embedder)
    index = MentorIndex.empty(embedder)
    baseline = ProfileBaseline()
    rows = (
        "lexical-only: BM25 per-user profile",
        "engine lexical (passage vote)",
        "semantic-only (passage vote)",
        "hybrid (passage vote)",
        "lexical passage vote + activity",
        "hybrid + activity (full)",
    )
    ranks = {name: [] for name in rows}
    warm: list[bool] = []
    latency: list[float] = []

    for question in questions:
        if question["split"] == args.split:
            text, target, now = (
                question_text(question),
                question["accepted_answerer_id"],
                question["order"],
            )
            tokens = tokenize(text)
            pool = index.mentor_ids
            warm.append(target in index)
            ranks[rows[0]].append(rank_of(target, baseline.scores(tokens)))
            for name, mode, with_activity in (
                (rows[1], "lexical", rows[4]),
                (rows[2], "semantic", None),
                (rows[3], "hybrid", rows[5]),
            ):
                tick = time.perf_counter()
                found = index.search(text, mode=mode, limit=len(pool))
                scores = {m: 0.0 for m in pool} | {c.mentor_id: c.relevance for c in found}
                ranks[name].append(rank_of(target, scores))
                if with_activity is None:
                    continue
                seen = {c.mentor_id for c in found}
                candidates = found + index.fallback_candidates(m for m in pool if m not in seen)
                ranked = scoring.combine(
                    candidates,
                    signals={
                        "activity": activity(candidates, now, days_per_question=days_per_question)
                    },
                    weights={"activity": WEIGHTS["activity"]},
                )
                if mode == "hybrid":
                    latency.append(time.perf_counter() - tick)
                ranks[with_activity].append(rank_of(target, {c.mentor_id: s for c, s in ranked}))
        # Then the question becomes history: each answerer gains a passage.
        text = question_text(question)
        for answer in question.get("answers") or []:
            passage = Passage(
                kind="session",
                text=text,
                weight=1.0 + bool(answer.get("is_accepted")),
                ref=str(question["id"]),
                time=float(question["order"]),
            )
            index.add_passages(answer["owner_user_id"], [passage])
            baseline.add(answer["owner_user_id"], tokenize(text))

    warm_mask = np.array(warm, bool)
    print(
        f"data={args.data} split={args.split} questions={len(warm)} warm={int(warm_mask.sum())} "
        f"candidates={len(index)} passages={len(index.vectors)} embedder={embedder.name}"
    )
    results = {}
    for name in rows:
        r = np.array(ranks[name], float)
        every, hot = metrics(r), metrics(r[warm_mask])
        results[name] = every
        print(
            f"{name:<38s} all: MRR {every['mrr']:.4f} P@1 {every['p1']:.3f} NDCG@10 "
            f"{every['ndcg10']:.4f} R@10 {every['r10']:.3f} | warm: MRR {hot['mrr']:.4f} "
            f"P@1 {hot['p1']:.3f} NDCG@10 {hot['ndcg10']:.4f} R@10 {hot['r10']:.3f}"
        )
    hybrid, lexical = results[rows[5]], results[rows[0]]
    ratio = hybrid["mrr"] / max(lexical["mrr"], 1e-12)
    print(
        f"hybrid/lexical MRR ratio {ratio:.2f} (target >= 1.25); ranking latency p50 "
        f"{np.percentile(latency, 50) * 1e3:.1f} ms p99 {np.percentile(latency, 99) * 1e3:.1f} ms "
        f"over the full pool; wall {time.time() - started:.0f} s"
    )
    print(
        f"RESULT mrr={hybrid['mrr']:.4f} p1={hybrid['p1']:.4f} ndcg10={hybrid['ndcg10']:.4f} "
        f"r10={hybrid['r10']:.4f} bm25_mrr={lexical['mrr']:.4f} bm25_p1={lexical['p1']:.4f}"
    )


if __name__ == "__main__":
    main()
