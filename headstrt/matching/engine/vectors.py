"""Dense passage vectors: exact search for small collections, a faiss IVF index for large ones."""

import math
from pathlib import Path

import numpy as np

from headstrt.matching.engine.arrays import GrowingArray

ANN_THRESHOLD = 20_000  # below this many vectors an exact scan is fast enough
NPROBE = 32
# A filter keeping more than 1/SCAN_SHARE of the rows is scored by scanning every row.
SCAN_SHARE = 8
TRAINING_ITERATIONS = 10


class VectorStore:
    """Unit vectors numbered 0, 1, 2, ...; inner product = cosine similarity.

    Rows saved earlier are memory-mapped (shared between worker processes); rows added since
    live in memory. Once the collection is large, rows up to the last ``build_ann`` are
    searched through an inverted-file (IVF) index of full-precision vectors, also
    memory-mapped, which probes the ``nprobe`` clusters nearest to the query; rows added
    afterwards (the "delta") are scanned exactly until the next build. Removal is a
    tombstone.
    """

    def __init__(self, dim: int, *, ann_threshold: int = ANN_THRESHOLD, nprobe: int = NPROBE):
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.nprobe = nprobe
        self._base = np.zeros((0, dim), np.float32)  # saved rows, possibly memory-mapped
        self._recent = GrowingArray(np.float32, width=dim)
        self._alive = GrowingArray(np.bool_)
        self._ann = None
        self._ann_rows = 0  # rows [0, _ann_rows) are in the ANN index

    def __len__(self) -> int:
        return len(self._alive)

    @property
    def ann_rows(self) -> int:
        """How many rows the ANN index covers (0 when there is none)."""
        return self._ann_rows if self._ann is not None else 0

    def add(self, vectors: np.ndarray) -> np.ndarray:
        """Append unit vectors; returns their row numbers."""
        vectors = np.asarray(vectors, np.float32).reshape(-1, self.dim)
        start = len(self._alive)
        self._recent.extend(vectors)
        self._alive.extend(np.ones(len(vectors), np.bool_))
        return np.arange(start, start + len(vectors))

    def remove(self, rows) -> None:
        """Tombstone rows."""
        self._alive.view()[np.asarray(rows, np.int64)] = False

    def rows(self, rows) -> np.ndarray:
        """The vectors of the given row numbers (float32 copies)."""
        rows = np.asarray(rows, np.int64)
        out = np.empty((len(rows), self.dim), np.float32)
        base = len(self._base)
        old = rows < base
        out[old] = self._base[rows[old]]
        out[~old] = self._recent.view()[rows[~old] - base]
        return out

    def _scan(self, query: np.ndarray, start: int, end: int) -> np.ndarray:
        base = len(self._base)
        parts = []
        if start < base:
            parts.append(self._base[start : min(end, base)] @ query)
        if end > base:
            parts.append(self._recent.view()[max(start, base) - base : end - base] @ query)
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    @staticmethod
    def _top(rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if len(rows) > k:
            part = np.argpartition(-scores, k - 1)[:k]
            rows, scores = rows[part], scores[part]
        order = np.argsort(-scores, kind="stable")
        return rows[order], scores[order]

    def search(
        self, query: np.ndarray, k: int, *, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` live rows most similar to ``query``, best first: (rows, cosines).

        ``within`` optionally restricts the search to the given row numbers.
        """
        query = np.asarray(query, np.float32).reshape(self.dim)
        alive = self._alive.view()
        if k <= 0 or not len(alive) or not np.any(query):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if within is not None:
            within = np.asarray(within, np.int64)
            within = within[alive[within]]
            if len(within) <= max(self.ann_threshold, 4 * k) or self._ann is None:
                # Gathering many scattered rows costs far more than one pass over them all.
                if len(within) * SCAN_SHARE > len(alive):
                    scores = self._scan(query, 0, len(alive))[within]
                else:
                    scores = self.rows(within) @ query
                return self._top(within, scores, k)
        if self._ann is None:
            rows = np.flatnonzero(alive)
            return self._top(rows, self._scan(query, 0, len(alive))[rows], k)
        allowed = None
        if within is not None:
            allowed = np.zeros(len(alive), np.bool_)
            allowed[within] = True
        # The more rows a filter hides, the deeper the ANN must look to find k allowed ones.
        depth = k
        if allowed is not None:
            depth = int(k * min(32.0, len(alive) / max(len(within), 1)))
        scores, found = self._ann.search(query[None, :], min(depth, self._ann_rows))
        scores, found = scores[0], found[0]
        keep = found >= 0
        keep[keep] = alive[found[keep]] if allowed is None else (alive & allowed)[found[keep]]
        delta = np.arange(self._ann_rows, len(alive))
        delta = delta[alive[delta] if allowed is None else (alive[delta] & allowed[delta])]
        rows = np.concatenate([found[keep], delta]).astype(np.int64)
        scores = np.concatenate([scores[keep], self.rows(delta) @ query]).astype(np.float32)
        return self._top(rows, scores, k)

    def similarities(self, rows, query: np.ndarray) -> np.ndarray:
        """Exact cosines between ``query`` and the given rows."""
        return self.rows(rows) @ np.asarray(query, np.float32).reshape(self.dim)

    def build_ann(self, *, threads: int = 2, seed: int = 0) -> None:
        """(Re)build the IVF index over all live rows; below the threshold, drop it."""
        import faiss

        alive_rows = np.flatnonzero(self._alive.view())
        if len(alive_rows) < self.ann_threshold:
            self._ann, self._ann_rows = None, 0
            return
        lists = int(2 ** round(math.log2(max(16.0, 2 * math.sqrt(len(alive_rows))))))
        index = faiss.index_factory(self.dim, f"IVF{lists},Flat", faiss.METRIC_INNER_PRODUCT)
        ivf = faiss.extract_index_ivf(index)
        ivf.cp.niter = TRAINING_ITERATIONS
        ivf.cp.seed = seed
        faiss.omp_set_num_threads(threads)
        sample = np.random.default_rng(seed).choice(
            alive_rows, min(len(alive_rows), 40 * lists), replace=False
        )
        index.train(self.rows(np.sort(sample)))
        for start in range(0, len(alive_rows), 100_000):
            chunk = alive_rows[start : start + 100_000]
            index.add_with_ids(self.rows(chunk), chunk.astype(np.int64))
        self._set_ann(index, len(self._alive))

    def _set_ann(self, index, rows: int) -> None:
        import faiss

        faiss.extract_index_ivf(index).nprobe = self.nprobe
        faiss.omp_set_num_threads(1)  # one query at a time: threads would only add overhead
        self._ann, self._ann_rows = index, rows

    # Persistence -------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write ``vectors.npy``, ``vector_alive.npy`` and the ANN index (if any)."""
        import faiss

        with open(directory / "vectors.npy", "wb") as out:
            np.lib.format.write_array_header_1_0(
                out, {"descr": "<f4", "fortran_order": False, "shape": (len(self), self.dim)}
            )
            out.write(np.ascontiguousarray(self._base).tobytes())
            out.write(np.ascontiguousarray(self._recent.view()).tobytes())
        np.save(directory / "vector_alive.npy", self._alive.view())
        np.save(directory / "vector_ann.npy", np.array([self.ann_rows], np.int64))
        if self._ann is not None:
            faiss.write_index(self._ann, str(directory / "vectors.ivf"))

    @classmethod
    def load(cls, directory: Path, dim: int, **options) -> "VectorStore":
        """Open a saved store, memory-mapping the vectors and the ANN index."""
        import faiss

        store = cls(dim, **options)
        store._base = np.load(directory / "vectors.npy", mmap_mode="r").view(np.ndarray)
        store._alive = GrowingArray(np.bool_, initial=np.load(directory / "vector_alive.npy"))
        ann_rows = int(np.load(directory / "vector_ann.npy")[0])
        if ann_rows and (directory / "vectors.ivf").exists():
            store._set_ann(
                faiss.read_index(str(directory / "vectors.ivf"), faiss.IO_FLAG_MMAP), ann_rows
            )
        return store
