"""The packaged static embedding model and the embedder settings."""

import numpy as np
import pytest

from headstrt.matching.engine.embedding import (
    PACKAGED_MODEL,
    StaticEmbedder,
    default_embedder,
    embedder_from_spec,
    packaged_model_info,
)


@pytest.fixture(scope="module")
def embedder():
    return StaticEmbedder(PACKAGED_MODEL)


def test_packaged_model_loads_offline(embedder, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert embedder.dim == packaged_model_info()["dims"] == 256
    vectors = embedder.encode(["salary negotiation", "family"])
    assert vectors.shape == (2, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_texts_are_closer_than_unrelated_ones(embedder):
    query, close, far = embedder.encode(
        [
            "negotiating my salary with my manager",
            "asking my boss for a pay raise",
            "repotting a cactus in spring",
        ]
    )
    assert query @ close > query @ far + 0.1


def test_text_without_known_tokens_gives_a_zero_vector(embedder):
    vectors = embedder.encode(["", "☃☄", "   "])
    assert vectors.shape == (3, 256) and not vectors.any()


def test_empty_batch(embedder):
    assert embedder.encode([]).shape == (0, 256)


def test_specs_select_the_embedder(settings):
    assert isinstance(embedder_from_spec(""), StaticEmbedder)
    assert embedder_from_spec(f"static:{PACKAGED_MODEL}").name == embedder_from_spec("").name
    with pytest.raises(ValueError):
        embedder_from_spec("word2vec:somewhere")
    with pytest.raises(ValueError):
        embedder_from_spec("sentence-transformers:")
    default_embedder.cache_clear()
    settings.HEADSTRT_EMBEDDING_MODEL = f"static:{PACKAGED_MODEL}"
    try:
        assert isinstance(default_embedder(), StaticEmbedder)
    finally:
        default_embedder.cache_clear()
