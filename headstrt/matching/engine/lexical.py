"""BM25 over passages, updated incrementally (add, remove) without full rebuilds."""

import math
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from headstrt.matching.engine.arrays import GrowingArray

K1 = 1.2
B = 0.75


class BM25Index:
    """Okapi BM25 over documents numbered 0, 1, 2, ... in the order they are added.

    Postings live in a compact term-major segment plus a small delta of recent documents;
    the delta is merged in when it grows past a fraction of the segment, so adding costs
    amortised O(document length). Removal is a tombstone: document frequencies, the number
    of live documents and their total length are kept exact, so scores always equal those
    of a fresh build over the live documents.
    """

    def __init__(self, *, k1: float = K1, b: float = B):
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        self.terms: list[str] = []
        self._df = GrowingArray(np.int64)
        self._length = GrowingArray(np.float32)
        self._alive = GrowingArray(np.bool_)
        self._live = 0
        self._live_length = 0.0
        # Merged segment, documents [0, _merged): term-major postings, document-major terms.
        self._merged = 0
        self._post_start = np.zeros(1, np.int64)
        self._post_doc = np.zeros(0, np.int32)
        self._post_tf = np.zeros(0, np.float32)
        self._doc_start = np.zeros(1, np.int64)
        self._doc_term = np.zeros(0, np.int32)
        self._doc_tf = np.zeros(0, np.float32)
        # Delta, documents [_merged, len): per document and per term.
        self._delta_docs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._delta_postings: dict[int, tuple[list[int], list[float]]] = {}
        self._delta_size = 0
        self._unposted: list[int] = []

    def __len__(self) -> int:
        return len(self._alive)

    @property
    def live_documents(self) -> int:
        """How many documents are not removed."""
        return self._live

    def _term_id(self, term: str) -> int:
        term_id = self.vocabulary.get(term)
        if term_id is None:
            term_id = self.vocabulary[term] = len(self.terms)
            self.terms.append(term)
            self._df.append(0)
        return term_id

    def add(self, tokens: Iterable[str] | Mapping[str, float]) -> int:
        """Index a document (its tokens, or term frequencies) and return its number."""
        counts = tokens if isinstance(tokens, Mapping) else Counter(tokens)
        doc = len(self._alive)
        term_id = self._term_id
        term_ids = np.fromiter((term_id(t) for t in counts), np.int32, len(counts))
        tfs = np.fromiter(counts.values(), np.float32, len(counts))
        length = float(tfs.sum())
        self._delta_docs[doc] = (term_ids, tfs)
        self._unposted.append(doc)
        self._delta_size += len(term_ids)
        df = self._df.view()
        df[term_ids] += 1
        self._length.append(length)
        self._alive.append(True)
        self._live += 1
        self._live_length += length
        if self._delta_size > max(50_000, len(self._post_doc) // 4):
            self.merge()
        return doc

    def _post_delta(self) -> None:
        """Add documents indexed since the last query to the delta's postings (lazily, so
        bulk additions pay no per-term cost until a query needs them)."""
        for doc in self._unposted:
            for term_id, tf in zip(*(a.tolist() for a in self._delta_docs[doc]), strict=True):
                docs, freqs = self._delta_postings.setdefault(term_id, ([], []))
                docs.append(doc)
                freqs.append(tf)
        self._unposted.clear()

    def document_terms(self, doc: int) -> tuple[np.ndarray, np.ndarray]:
        """Term ids and frequencies of document ``doc``."""
        if doc >= self._merged:
            return self._delta_docs.get(doc, (np.zeros(0, np.int32), np.zeros(0, np.float32)))
        start, end = self._doc_start[doc], self._doc_start[doc + 1]
        return self._doc_term[start:end], self._doc_tf[start:end]

    def remove(self, doc: int) -> None:
        """Forget document ``doc`` (a no-op if it is already removed)."""
        alive = self._alive.view()
        if not alive[doc]:
            return
        alive[doc] = False
        term_ids, _ = self.document_terms(doc)
        df = self._df.view()
        df[term_ids] -= 1
        length = float(self._length.view()[doc])
        self._live -= 1
        self._live_length = max(self._live_length - length, 0.0) if self._live else 0.0

    def merge(self) -> None:
        """Fold the delta into the compact segment, dropping removed documents' postings."""
        alive = self._alive.view()
        n = len(alive)
        merged_lengths = np.diff(self._doc_start)
        entry_doc = np.repeat(np.arange(self._merged, dtype=np.int32), merged_lengths)
        keep = alive[entry_doc]
        doc_parts = [entry_doc[keep]]
        term_parts = [np.asarray(self._doc_term)[keep]]
        tf_parts = [np.asarray(self._doc_tf)[keep]]
        for doc, (term_ids, tfs) in self._delta_docs.items():
            if alive[doc]:
                doc_parts.append(np.full(len(term_ids), doc, np.int32))
                term_parts.append(term_ids)
                tf_parts.append(tfs)
        entry_doc = np.concatenate(doc_parts).astype(np.int32)
        self._doc_term = np.concatenate(term_parts).astype(np.int32)
        self._doc_tf = np.concatenate(tf_parts).astype(np.float32)
        per_doc = np.bincount(entry_doc, minlength=n)
        self._doc_start = np.concatenate(([0], np.cumsum(per_doc))).astype(np.int64)
        order = np.argsort(self._doc_term, kind="stable")
        self._post_doc = entry_doc[order]
        self._post_tf = self._doc_tf[order]
        per_term = np.bincount(self._doc_term, minlength=len(self.terms))
        self._post_start = np.concatenate(([0], np.cumsum(per_term))).astype(np.int64)
        self._merged = n
        self._delta_docs.clear()
        self._delta_postings.clear()
        self._unposted.clear()
        self._delta_size = 0

    def _postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        if self._unposted:
            self._post_delta()
        parts_doc, parts_tf = [], []
        if term_id + 1 < len(self._post_start):
            start, end = self._post_start[term_id], self._post_start[term_id + 1]
            parts_doc.append(self._post_doc[start:end])
            parts_tf.append(self._post_tf[start:end])
        delta = self._delta_postings.get(term_id)
        if delta:
            parts_doc.append(np.asarray(delta[0], np.int32))
            parts_tf.append(np.asarray(delta[1], np.float32))
        if len(parts_doc) == 1:
            return parts_doc[0], parts_tf[0]
        if not parts_doc:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        return np.concatenate(parts_doc), np.concatenate(parts_tf)

    def query_terms(self, tokens: Iterable[str]) -> dict[int, int]:
        """Known term ids of a query, with their counts."""
        counts = Counter(tokens)
        return {self.vocabulary[t]: c for t, c in counts.items() if t in self.vocabulary}

    def scores(self, tokens: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of every live document sharing a term with the query: (documents, scores).

        Documents come out in increasing order; documents scoring zero are left out.
        """
        query = self.query_terms(tokens)
        empty = np.zeros(0, np.int64), np.zeros(0, np.float32)
        if not query or self._live == 0:
            return empty
        n = self._live
        average_length = max(self._live_length / n, 1e-9)
        df = self._df.view()
        docs_parts, weight_parts, tf_parts = [], [], []
        for term_id, count in query.items():
            frequency = int(df[term_id])
            if frequency <= 0:
                continue
            idf = math.log(1.0 + (n - frequency + 0.5) / (frequency + 0.5))
            docs, tfs = self._postings(term_id)
            docs_parts.append(docs)
            tf_parts.append(tfs)
            weight_parts.append(np.full(len(docs), idf * count, np.float32))
        if not docs_parts:
            return empty
        docs = np.concatenate(docs_parts)
        tfs = np.concatenate(tf_parts)
        weights = np.concatenate(weight_parts)
        keep = self._alive.view()[docs]
        docs, tfs, weights = docs[keep], tfs[keep], weights[keep]
        if not len(docs):
            return empty
        norm = self.k1 * (1.0 - self.b + self.b * self._length.view()[docs] / average_length)
        contributions = weights * tfs * (self.k1 + 1.0) / (tfs + norm)
        if len(docs) * 8 > len(self._alive):
            totals = np.bincount(docs, weights=contributions, minlength=len(self._alive))
            found = np.flatnonzero(totals)
            return found, totals[found].astype(np.float32)
        found, inverse = np.unique(docs, return_inverse=True)
        return found.astype(np.int64), np.bincount(inverse, weights=contributions).astype(
            np.float32
        )

    # Persistence -------------------------------------------------------------------------

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as named arrays (the delta is merged first)."""
        self.merge()
        vocabulary = "\n".join(self.terms).encode("utf-8")
        return {
            "bm25_vocabulary": np.frombuffer(vocabulary, np.uint8),
            "bm25_df": self._df.view(),
            "bm25_length": self._length.view(),
            "bm25_alive": self._alive.view(),
            "bm25_post_start": self._post_start,
            "bm25_post_doc": self._post_doc,
            "bm25_post_tf": self._post_tf,
            "bm25_doc_start": self._doc_start,
            "bm25_doc_term": self._doc_term,
            "bm25_doc_tf": self._doc_tf,
            "bm25_params": np.array([self.k1, self.b], np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> "BM25Index":
        """Rebuild from ``arrays()``; large arrays may be read-only memory maps."""
        k1, b = (float(x) for x in arrays["bm25_params"])
        index = cls(k1=k1, b=b)
        raw = bytes(arrays["bm25_vocabulary"]).decode("utf-8")
        index.terms = raw.split("\n") if raw else []
        index.vocabulary = {term: i for i, term in enumerate(index.terms)}
        index._df = GrowingArray(np.int64, initial=arrays["bm25_df"])
        index._length = GrowingArray(np.float32, initial=arrays["bm25_length"])
        index._alive = GrowingArray(np.bool_, initial=arrays["bm25_alive"])
        alive = index._alive.view()
        index._live = int(alive.sum())
        index._live_length = float(index._length.view()[alive].astype(np.float64).sum())
        for name in ("post_start", "post_doc", "post_tf", "doc_start", "doc_term", "doc_tf"):
            setattr(index, f"_{name}", arrays[f"bm25_{name}"])
        index._merged = len(alive)
        return index
