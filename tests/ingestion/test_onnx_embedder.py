"""The ONNX backend: exported once from the local model, cached, same vectors as torch."""

from pathlib import Path

import numpy as np

from ingestion.embedder import SentenceTransformerEmbedder, bundled_model_folder
from ingestion.onnx_embedder import OnnxEmbedder

TEXTS = [
    "Capital expenditures were 412 million dollars.",
    "Revenue grew 7 percent, driven by cheese and olive oil sales to restaurants. " * 6,
    "Risk factors",
    "Net sales $ 5,591 $ 1,763 $ 7,354",
]


def test_onnx_matches_torch_and_is_cached(tmp_path: Path) -> None:
    folder = bundled_model_folder()
    assert folder is not None
    reference = np.array(SentenceTransformerEmbedder(folder).embed(TEXTS))
    cache = tmp_path / "onnx"
    fp32 = np.array(OnnxEmbedder(folder, cache, threads=1).embed(TEXTS))
    assert fp32.shape == reference.shape
    assert (fp32 * reference).sum(axis=1).min() > 0.999  # padded batch of mixed lengths
    [exported] = list(cache.rglob("model.onnx"))
    stamp = exported.stat().st_mtime_ns

    int8 = np.array(OnnxEmbedder(folder, cache, quantized=True, threads=1).embed(TEXTS))
    assert (int8 * reference).sum(axis=1).min() > 0.95
    assert exported.stat().st_mtime_ns == stamp  # exported once, reused
    assert list(cache.rglob("*.partial")) == []
