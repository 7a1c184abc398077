"""The mentor index: hybrid (BM25 + dense) retrieval over mentor passages, voted to mentors."""

import gc
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

import numpy as np

from headstrt.matching.engine.arrays import GrowingArray, TextColumn
from headstrt.matching.engine.embedding import Embedder
from headstrt.matching.engine.lexical import BM25Index
from headstrt.matching.engine.text import tokenize
from headstrt.matching.engine.vectors import VectorStore

FORMAT = "headstrt-mentor-index/1"
MODES = ("hybrid", "lexical", "semantic")
KINDS = ("expertise", "headline", "bio", "session")
# Fusion parameters, chosen on the validation split of the expert-finding benchmark and kept
# round so that they carry over to other sites (see docs/matching.md).
LEXICAL_SHARE = 0.5  # weight of normalised BM25 against normalised cosine for each passage
POOL = 400  # passages taken from each retriever
VOTE_DEPTH = 250  # best fused passages that vote for their mentors
EVIDENCE = 3  # passages kept per mentor to explain a match
# Votes are fused scores raised to this power, so one strong passage outweighs several weak
# ones that merely share a common word.
VOTE_POWER = 2.0


@dataclass(frozen=True)
class Passage:
    """A piece of text a mentor can be found by (an expertise entry, a bio paragraph, ...)."""

    kind: str  # expertise, headline, bio, session
    text: str
    weight: float = 1.0  # how much a match on this passage counts towards the mentor
    ref: str = ""  # what it points to, for explanations (an entry's public id, a topic path)
    time: float = 0.0  # when it was written or last active (timestamp or any increasing order)


@dataclass(frozen=True)
class Evidence:
    """A passage that matched a query, and the query terms it shares."""

    kind: str
    ref: str
    text: str
    matched_terms: tuple[str, ...]
    score: float  # fused passage score in [0, 1]


@dataclass(frozen=True)
class Candidate:
    """A mentor retrieved for a query."""

    mentor_id: int
    relevance: float  # in [0, 1]; the best mentor of the query has 1
    lexical: float  # lexical part of the vote, normalised the same way
    semantic: float  # semantic part of the vote
    last_activity: float | None = None  # latest passage time
    explain: Callable[[], tuple[Evidence, ...]] | None = field(
        default=None, compare=False, repr=False
    )
    profile: Callable[[], np.ndarray | None] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def evidence(self) -> tuple[Evidence, ...]:
        """The mentor's best-matching passages (at most three), built when first asked for."""
        return self.explain() if self.explain is not None else ()

    @cached_property
    def vector(self) -> np.ndarray | None:
        """The mentor's profile vector (unit length), for diversification; None if unknown."""
        return self.profile() if self.profile is not None else None


class MentorIndex:
    """Mentor passages indexed for BM25 and dense retrieval, updated one mentor at a time.

    A query is matched against passages, not whole profiles: each passage gets a fused
    score (normalised BM25 and cosine), the best passages vote for their mentors with their
    weights (CombSUM), and the sums are scaled so the best mentor has relevance 1.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        lexical: BM25Index | None = None,
        vectors: VectorStore | None = None,
    ):
        self.embedder = embedder
        self.lexical = lexical or BM25Index()
        self.vectors = vectors or VectorStore(embedder.dim)
        self.kinds: list[str] = list(KINDS)
        self._owner = GrowingArray(np.int64)
        self._weight = GrowingArray(np.float32)
        self._time = GrowingArray(np.float64)
        self._kind = GrowingArray(np.int16)
        self._texts = TextColumn()
        self._refs = TextColumn()
        self._passages: dict[int, list[int]] = {}
        self._last_activity: dict[int, float] = {}

    @classmethod
    def empty(cls, embedder: Embedder) -> "MentorIndex":
        """An index with no mentors."""
        return cls(embedder)

    def __len__(self) -> int:
        return len(self._passages)

    def __contains__(self, mentor_id: int) -> bool:
        return mentor_id in self._passages

    @property
    def mentor_ids(self) -> list[int]:
        """Every indexed mentor."""
        return list(self._passages)

    # Updates -----------------------------------------------------------------------------

    def set_mentor(self, mentor_id: int, passages: Iterable[Passage]) -> None:
        """Replace everything indexed for a mentor."""
        self.remove_mentor(mentor_id)
        self.add_passages(mentor_id, passages)

    def set_mentors(self, items: Iterable[tuple[int, Iterable[Passage]]], *, batch: int = 4096):
        """Replace many mentors, embedding their passages in batches (bulk builds)."""
        pending: list[tuple[int, Passage]] = []
        for mentor_id, passages in items:
            self.remove_mentor(mentor_id)
            self._passages.setdefault(mentor_id, [])
            pending.extend((mentor_id, p) for p in passages if p.text and p.text.strip())
            if len(pending) >= batch:
                self._append(pending)
                pending = []
        self._append(pending)

    def add_passages(self, mentor_id: int, passages: Iterable[Passage]) -> None:
        """Add passages to a mentor (who is created if new), keeping the existing ones."""
        self._passages.setdefault(mentor_id, [])
        self._append([(mentor_id, p) for p in passages if p.text and p.text.strip()])

    def remove_mentor(self, mentor_id: int) -> None:
        """Forget a mentor and their passages (a no-op for an unknown mentor)."""
        rows = self._passages.pop(mentor_id, None)
        self._last_activity.pop(mentor_id, None)
        if rows:
            for row in rows:
                self.lexical.remove(row)
            self.vectors.remove(rows)

    def _append(self, items: list[tuple[int, Passage]], vectors: np.ndarray | None = None):
        if not items:
            return
        if vectors is None:
            vectors = self.embedder.encode([p.text for _, p in items])
        rows = self.vectors.add(vectors)
        for (mentor_id, passage), row in zip(items, rows.tolist(), strict=True):
            if self.lexical.add(tokenize(passage.text)) != row:
                raise RuntimeError("lexical and vector rows out of step")
            if passage.kind not in self.kinds:
                self.kinds.append(passage.kind)
            self._texts.append(passage.text)
            self._refs.append(passage.ref)
            self._passages.setdefault(mentor_id, []).append(row)
            latest = self._last_activity.get(mentor_id)
            if latest is None or passage.time > latest:
                self._last_activity[mentor_id] = passage.time
        self._owner.extend([mentor_id for mentor_id, _ in items])
        self._weight.extend([p.weight for _, p in items])
        self._time.extend([p.time for _, p in items])
        self._kind.extend([self.kinds.index(p.kind) for _, p in items])

    def optimize(self) -> None:
        """Build the ANN index over every vector now (large collections only) and merge BM25."""
        self.vectors.build_ann()
        self.lexical.merge()

    # Queries -----------------------------------------------------------------------------

    def _rows_of(self, mentor_ids: Iterable[int]) -> np.ndarray:
        rows = [self._passages.get(m) for m in mentor_ids]
        rows = [r for r in rows if r]
        return np.sort(np.concatenate(rows)).astype(np.int64) if rows else np.zeros(0, np.int64)

    def search(
        self,
        text: str,
        *,
        mode: str = "hybrid",
        limit: int = 200,
        allowed: Iterable[int] | None = None,
    ) -> list[Candidate]:
        """Mentors whose passages match ``text``, best first (at most ``limit``).

        ``mode`` is ``hybrid``, ``lexical`` or ``semantic``; ``allowed`` restricts the search
        to those mentor ids (hard filters applied before ranking). Mentors with no matching
        passage are not returned; see ``fallback_candidates``.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if limit <= 0 or not self._passages:
            return []
        if allowed is not None and not isinstance(allowed, set | frozenset):
            allowed = set(allowed)
        # A filter that keeps few mentors restricts both retrievers up front; one that keeps
        # most of them is cheaper to apply to the retrieved passages afterwards.
        within = None
        if allowed is not None and 2 * len(allowed) < len(self._passages):
            within = self._rows_of(allowed)
            if not len(within):
                return []
        tokens = tokenize(text)
        use_lexical, use_semantic = mode != "semantic", mode != "lexical"

        lexical_rows = np.zeros(0, np.int64)
        lexical_scores = np.zeros(0, np.float32)
        if use_lexical and tokens:
            lexical_rows, lexical_scores = self.lexical.scores(tokens)
            if within is not None:
                keep = np.isin(lexical_rows, within, assume_unique=True)
                lexical_rows, lexical_scores = lexical_rows[keep], lexical_scores[keep]
        top_lexical = lexical_rows
        if len(lexical_rows) > POOL:
            top_lexical = lexical_rows[np.argpartition(-lexical_scores, POOL - 1)[:POOL]]

        semantic_rows = np.zeros(0, np.int64)
        query_vector = None
        if use_semantic:
            query_vector = self.embedder.encode([text or ""])[0]
            if np.any(query_vector):
                semantic_rows, _ = self.vectors.search(query_vector, POOL, within=within)

        rows = np.union1d(top_lexical, semantic_rows).astype(np.int64)
        if allowed is not None and within is None:
            owners = self._owner.view()[rows].tolist()
            rows = rows[np.fromiter((o in allowed for o in owners), np.bool_, len(owners))]
        if not len(rows):
            return []
        lexical_part = np.zeros(len(rows), np.float32)
        semantic_part = np.zeros(len(rows), np.float32)
        if len(lexical_rows):
            at = np.searchsorted(lexical_rows, rows)
            at = np.minimum(at, len(lexical_rows) - 1)
            found = lexical_rows[at] == rows
            bm25 = np.where(found, lexical_scores[at], 0.0)
            lexical_part = (bm25 / max(float(lexical_scores.max()), 1e-9)).astype(np.float32)
        if query_vector is not None and len(semantic_rows):
            cosines = np.clip(self.vectors.similarities(rows, query_vector), 0.0, None)
            semantic_part = (cosines / max(float(cosines.max()), 1e-9)).astype(np.float32)
        share = {"hybrid": LEXICAL_SHARE, "lexical": 1.0, "semantic": 0.0}[mode]
        lexical_part *= share
        semantic_part *= 1.0 - share
        fused = lexical_part + semantic_part
        return self._vote(rows, fused, lexical_part, semantic_part, tokens, limit)

    def _vote(self, rows, fused, lexical_part, semantic_part, tokens, limit) -> list[Candidate]:
        positive = fused > 0
        rows, fused = rows[positive], fused[positive]
        lexical_part, semantic_part = lexical_part[positive], semantic_part[positive]
        if not len(rows):
            return []
        if len(rows) > VOTE_DEPTH:
            best = np.argpartition(-fused, VOTE_DEPTH - 1)[:VOTE_DEPTH]
            rows, fused = rows[best], fused[best]
            lexical_part, semantic_part = lexical_part[best], semantic_part[best]
        weights = self._weight.view()[rows]
        owners = self._owner.view()[rows]
        mentors, slot = np.unique(owners, return_inverse=True)
        sharpen = fused ** (VOTE_POWER - 1.0)
        total = np.bincount(slot, weights=fused * sharpen * weights)
        lexical_total = np.bincount(slot, weights=lexical_part * sharpen * weights)
        semantic_total = np.bincount(slot, weights=semantic_part * sharpen * weights)
        order = np.lexsort((mentors, -total))[:limit]
        top = max(float(total.max()), 1e-12)
        lexical_top = max(float(lexical_total.max()), 1e-12)
        semantic_top = max(float(semantic_total.max()), 1e-12)

        query_terms = self.lexical.query_terms(tokens)
        chosen_slots = set(order.tolist())
        best_rows: dict[int, list[tuple[int, float]]] = {}
        for i in np.argsort(-(fused * weights), kind="stable").tolist():
            found = best_rows.setdefault(int(slot[i]), []) if slot[i] in chosen_slots else None
            if found is not None and len(found) < EVIDENCE:
                found.append((int(rows[i]), float(fused[i])))
        return [
            Candidate(
                mentor_id=mentor_id,
                relevance=float(total[i]) / top,
                lexical=float(lexical_total[i]) / lexical_top,
                semantic=float(semantic_total[i]) / semantic_top,
                last_activity=self._last_activity.get(mentor_id),
                explain=partial(self._explain, best_rows.get(i, []), query_terms),
                profile=partial(self.mentor_vector, mentor_id),
            )
            for mentor_id, i in zip(mentors[order].tolist(), order.tolist(), strict=True)
        ]

    def _explain(self, best: list[tuple[int, float]], query_terms) -> tuple[Evidence, ...]:
        return tuple(self._evidence(row, score, query_terms) for row, score in best)

    def _evidence(self, row: int, score: float, query_terms: dict[int, int]) -> Evidence:
        term_ids, _ = self.lexical.document_terms(row)
        shared = set(term_ids.tolist()) & query_terms.keys()
        terms = tuple(self.lexical.terms[t] for t in query_terms if t in shared)
        return Evidence(
            kind=self.kinds[int(self._kind.view()[row])],
            ref=self._refs[row],
            text=self._texts[row],
            matched_terms=terms,
            score=min(max(score, 0.0), 1.0),
        )

    def fallback_candidates(self, mentor_ids: Iterable[int]) -> list[Candidate]:
        """Candidates with relevance 0, for ranking mentors by signals alone."""
        return [
            Candidate(
                mentor_id=m,
                relevance=0.0,
                lexical=0.0,
                semantic=0.0,
                last_activity=self._last_activity.get(m),
                profile=partial(self.mentor_vector, m),
            )
            for m in mentor_ids
        ]

    def mentor_vector(self, mentor_id: int) -> np.ndarray | None:
        """A mentor's profile vector: the weighted mean of their passage vectors, unit length."""
        rows = self._passages.get(mentor_id)
        if not rows:
            return None
        profile = self._weight.view()[rows] @ self.vectors.rows(rows)
        norm = float(np.linalg.norm(profile))
        return profile / norm if norm > 0 else None

    # Persistence -------------------------------------------------------------------------

    def save(self, path: str | Path, meta: dict | None = None) -> Path:
        """Write the index to directory ``path`` atomically (a new directory swapped in).

        Large collections get their ANN index rebuilt first when many vectors were added
        since the last build.
        """
        path = Path(path)
        if self.lexical.live_documents >= self.vectors.ann_threshold and (
            len(self.vectors) - self.vectors.ann_rows > 0.1 * max(self.vectors.ann_rows, 1)
        ):
            self.vectors.build_ann()
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            arrays = dict(self.lexical.arrays())
            arrays.update(
                passage_owner=self._owner.view(),
                passage_weight=self._weight.view(),
                passage_time=self._time.view(),
                passage_kind=self._kind.view(),
            )
            for name, column in (("text", self._texts), ("ref", self._refs)):
                blob, offsets = column.arrays()
                arrays[f"passage_{name}_blob"] = blob
                arrays[f"passage_{name}_offsets"] = offsets
            for name, array in arrays.items():
                np.save(scratch / f"{name}.npy", np.ascontiguousarray(array))
            self.vectors.save(scratch)
            description = {
                "format": FORMAT,
                "embedder": self.embedder.name,
                "dim": self.embedder.dim,
                "kinds": self.kinds,
                "empty_mentors": [m for m, rows in self._passages.items() if not rows],
                "meta": meta or {},
            }
            (scratch / "index.json").write_text(json.dumps(description))
            retired = None
            if path.exists():
                retired = path.with_name(f".{path.name}.old-{os.getpid()}")
                os.replace(path, retired)
            os.replace(scratch, path)
            if retired is not None:
                shutil.rmtree(retired, ignore_errors=True)
        finally:
            if scratch.exists():
                shutil.rmtree(scratch, ignore_errors=True)
        return path

    @classmethod
    def load(cls, path: str | Path, embedder: Embedder) -> tuple["MentorIndex", dict]:
        """Open a saved index (large arrays memory-mapped); returns (index, saved meta).

        If it was built with another embedder, its passages are embedded again. Objects
        alive at the end of loading are frozen out of the garbage collector (``gc.freeze``).
        """
        path = Path(path)
        description = json.loads((path / "index.json").read_text())
        if description.get("format") != FORMAT:
            raise ValueError(f"{path}: not a mentor index of format {FORMAT}")
        names = [p.stem for p in path.glob("*.npy")]
        # Plain ndarray views of the maps: same shared pages, without np.memmap's slow indexing.
        arrays = {
            name: np.load(path / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in names
        }
        lexical = BM25Index.from_arrays(arrays)
        same_model = description["embedder"] == embedder.name
        vectors = VectorStore.load(path, description["dim"]) if same_model else None
        index = cls(embedder, lexical=lexical, vectors=vectors)
        index.kinds = list(description["kinds"])
        index._owner = GrowingArray(np.int64, initial=arrays["passage_owner"])
        index._weight = GrowingArray(np.float32, initial=arrays["passage_weight"])
        index._time = GrowingArray(np.float64, initial=arrays["passage_time"])
        index._kind = GrowingArray(np.int16, initial=arrays["passage_kind"])
        index._texts = TextColumn(arrays["passage_text_blob"], arrays["passage_text_offsets"])
        index._refs = TextColumn(arrays["passage_ref_blob"], arrays["passage_ref_offsets"])
        alive = np.asarray(arrays["bm25_alive"])
        owners = index._owner.view()
        live_rows = np.flatnonzero(alive)
        order = live_rows[np.argsort(owners[live_rows], kind="stable")]
        mentors, starts = np.unique(owners[order], return_index=True)
        if len(order):
            latest = np.maximum.reduceat(index._time.view()[order], starts)
            index._last_activity = dict(zip(mentors.tolist(), latest.tolist(), strict=True))
        for mentor_id, rows in zip(mentors.tolist(), np.split(order, starts[1:]), strict=False):
            index._passages[mentor_id] = rows.tolist()
        for mentor_id in description.get("empty_mentors", []):
            index._passages.setdefault(mentor_id, [])
        if not same_model:
            index._reembed()
        # The index is long-lived and made of many small objects; leaving them out of the
        # cyclic garbage collector's full passes keeps those passes from stalling queries.
        gc.collect()
        gc.freeze()
        return index, description.get("meta", {})

    def _reembed(self, batch: int = 4096) -> None:
        store = VectorStore(self.embedder.dim)
        alive = self.lexical._alive.view()
        for start in range(0, len(self._texts), batch):
            end = min(start + batch, len(self._texts))
            store.add(self.embedder.encode([self._texts[i] for i in range(start, end)]))
        store.remove(np.flatnonzero(~alive))
        store.build_ann()
        self.vectors = store
