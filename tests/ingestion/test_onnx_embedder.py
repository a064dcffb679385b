"""The ONNX backend: exported once from the local model, cached, same vectors as torch.

Loading torch and sentence-transformers costs 5-10 s on 2 cores, exporting and quantizing
another 5: the default run compares the run's cached export (conftest's `onnx_cache`, made
by the same `export_onnx`) with torch's vectors stored in tests/fixtures; the slow test
exports from scratch and checks the stored vectors against torch itself, so they cannot go
stale unseen.
"""

from pathlib import Path

import numpy as np
import pytest

from ingestion.embedder import SentenceTransformerEmbedder, bundled_model_folder
from ingestion.onnx_embedder import OnnxEmbedder, export_onnx

TEXTS = [
    "Capital expenditures were 412 million dollars.",
    "Revenue grew 7 percent, driven by cheese and olive oil sales to restaurants. " * 6,
    "Risk factors",
    "Net sales $ 5,591 $ 1,763 $ 7,354",
]
# SentenceTransformerEmbedder(bundled_model_folder()).embed(TEXTS), saved with numpy.save.
REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "minilm-torch-reference.npy"


def check_against(reference: np.ndarray, cache: Path) -> None:
    folder = bundled_model_folder()
    assert folder is not None
    fp32 = np.array(OnnxEmbedder(folder, cache, threads=1).embed(TEXTS))
    assert fp32.shape == reference.shape
    assert (fp32 * reference).sum(axis=1).min() > 0.999  # padded batch of mixed lengths
    exported = export_onnx(folder, cache, quantized=False)  # the file just made or found
    stamp = exported.stat().st_mtime_ns

    int8 = np.array(OnnxEmbedder(folder, cache, quantized=True, threads=1).embed(TEXTS))
    assert (int8 * reference).sum(axis=1).min() > 0.95
    assert exported.stat().st_mtime_ns == stamp  # exported once, reused
    assert list(cache.rglob("*.partial")) == []


def test_cached_export_matches_torch_and_is_reused(onnx_cache: Path) -> None:
    check_against(np.load(REFERENCE), onnx_cache)  # the run's own export, as tests embed


@pytest.mark.slow  # torch, sentence-transformers and an export from scratch
def test_onnx_matches_torch_and_is_cached(tmp_path: Path) -> None:
    folder = bundled_model_folder()
    assert folder is not None
    reference = np.array(SentenceTransformerEmbedder(folder).embed(TEXTS))
    assert np.allclose(reference, np.load(REFERENCE), atol=1e-5)  # the stored copy is current
    check_against(reference, tmp_path / "onnx")
