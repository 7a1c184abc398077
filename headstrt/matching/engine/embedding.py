"""Text embedders: the packaged static model by default, a sentence-transformer on request."""

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Protocol

import numpy as np

PACKAGED_MODEL = Path(__file__).resolve().parent.parent / "model"
SETTING = "HEADSTRT_EMBEDDING_MODEL"
MAX_TOKENS = 4096


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dim`` dimensions."""

    name: str  # identifies the model, so an index built with another one is re-embedded
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


class StaticEmbedder:
    """A static (model2vec-style) model: the mean of per-token vectors, numpy only.

    The directory holds ``tokenizer.json`` and either ``embeddings.i8.npy`` with
    ``scales.npy`` (one float32 scale per row) or ``embeddings.f16.npy``.
    """

    def __init__(self, directory: str | Path):
        from tokenizers import Tokenizer

        directory = Path(directory)
        self.directory = directory
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        if (directory / "embeddings.i8.npy").exists():
            self.rows = np.load(directory / "embeddings.i8.npy", mmap_mode="r").view(np.ndarray)
            self.scales = np.load(directory / "scales.npy").reshape(-1).astype(np.float32)
            fingerprint = hashlib.sha1(self.scales.tobytes()).hexdigest()[:12]
        else:
            self.rows = np.load(directory / "embeddings.f16.npy", mmap_mode="r").view(np.ndarray)
            self.scales = None
            fingerprint = hashlib.sha1(np.asarray(self.rows[:64]).tobytes()).hexdigest()[:12]
        # Dequantised once per process (about 30 MB): encoding is then a gather and a sum.
        self._table = np.asarray(self.rows, dtype=np.float32)
        if self.scales is not None:
            self._table *= self.scales[:, None]
        self.dim = int(self.rows.shape[1])
        self.name = f"static:{fingerprint}:{self.dim}"
        unknown = self.tokenizer.token_to_id("[UNK]")
        self._unknown = -1 if unknown is None else unknown

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean token vector of each text, L2-normalised (zero when no token is known)."""
        texts = [text or "" for text in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        id_lists = [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]
        lengths = np.fromiter(map(len, id_lists), np.int64, len(id_lists))
        ids = np.fromiter(chain.from_iterable(id_lists), np.int64, int(lengths.sum()))
        owner = np.repeat(np.arange(len(texts)), lengths)
        known = (ids != self._unknown) & (ids < len(self._table))
        ids, owner = ids[known], owner[known]
        if not len(ids):
            return out
        counts = np.bincount(owner, minlength=len(texts))
        present = np.flatnonzero(counts)
        starts = np.concatenate(([0], np.cumsum(counts[present])[:-1]))
        sums = np.add.reduceat(self._table[ids], starts, axis=0)
        out[present] = sums / counts[present, None]
        return normalise_rows(out)


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local path or an installed model name.

    Needs ``sentence-transformers`` (and torch); used only when an operator configures it.
    """

    def __init__(self, model: str, *, device: str = "cpu", batch_size: int = 32):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model, device=device)
        self.batch_size = batch_size
        self.dim = int(self.model.get_sentence_embedding_dimension())
        self.name = f"sentence-transformers:{model}:{self.dim}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Model embeddings of ``texts``, L2-normalised; empty texts give zero vectors."""
        texts = [text or "" for text in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        filled = [i for i, text in enumerate(texts) if text.strip()]
        if filled:
            vectors = self.model.encode(
                [texts[i] for i in filled],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[filled] = vectors
        return normalise_rows(out)


def embedder_from_spec(spec: str) -> Embedder:
    """The embedder a setting names: ``static:<dir>``, ``sentence-transformers:<model>``.

    An empty spec (or ``static:`` alone) means the packaged static model.
    """
    kind, _, target = (spec or "").strip().partition(":")
    if kind in ("", "static"):
        return StaticEmbedder(target or PACKAGED_MODEL)
    if kind == "sentence-transformers":
        if not target:
            raise ValueError(f"{SETTING}: name a model path or name after 'sentence-transformers:'")
        return SentenceTransformerEmbedder(target)
    raise ValueError(
        f"{SETTING}: unknown embedder {kind!r}; use 'static:' or 'sentence-transformers:'"
    )


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The configured embedder (Django setting ``HEADSTRT_EMBEDDING_MODEL``), built once."""
    spec = ""
    try:
        from django.conf import settings

        if settings.configured:
            spec = getattr(settings, SETTING, "") or ""
    except ImportError:
        pass
    return embedder_from_spec(spec)


def packaged_model_info() -> dict:
    """The packaged model's description (source model, dimensions, recipe)."""
    return json.loads((PACKAGED_MODEL / "config.json").read_text())
