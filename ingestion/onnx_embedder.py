"""The ONNX Runtime backend for sentence-transformers models (BERT-style, mean pooling).

Measured on 2 cores (real 10-K chunks): fp32 runs at torch's speed with the same vectors;
int8 runs ~2x faster with vectors at cosine ~0.99 to fp32 (see bench/RESULTS.md). The model is
exported once from the local folder with torch's own exporter (no network, no extra
packages) and cached in the workspace; int8 is a dynamic quantization of that export with
signed, per-channel weights: unsigned per-tensor weights were 1.5x slower on AVX-512 VNNI
and further from fp32 (cosine 0.976), signed per-tensor ones faster but 0.949.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from pathlib import Path
from typing import Any

from ingestion.errors import IngestError

# ONNX Runtime's 1DS telemetry is off only when this is set before the runtime initialises
# (app/offline.py sets it for the command; this covers any other importer of this module).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

MAX_TOKENS = 256
INT8_WEIGHTS = "s8 per-channel"  # how the int8 model is quantized; part of an index's recipe


def _model_key(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json"):
        path = folder / name
        if path.is_file():
            digest.update(path.read_bytes())
    weights = folder / "model.safetensors"
    if weights.is_file():
        digest.update(str(weights.stat().st_size).encode())
    return digest.hexdigest()[:16]


def export_onnx(folder: Path, cache: Path, quantized: bool) -> Path:
    """The cached .onnx file for `folder`, exporting (and quantizing) it the first time."""
    target = cache / _model_key(folder)
    fp32 = target / "model.onnx"
    int8 = target / "model-int8-s8pc.onnx"
    if not fp32.is_file():
        target.mkdir(parents=True, exist_ok=True)
        _export(folder, fp32)
    if not quantized:
        return fp32
    if not int8.is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        partial = int8.with_suffix(f".{os.getpid()}.partial")  # workspaces may share a cache
        quiet = logging.getLogger()
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # "consider pre-processing" advice on every run
        try:
            quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            quiet.setLevel(level)
        os.replace(partial, int8)
    return int8


def _export(folder: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    model = Encoder()
    sample = torch.ones((1, 8), dtype=torch.long)
    partial = out.with_suffix(f".{os.getpid()}.partial")
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shapes; checked by the tests
        torch.onnx.export(
            model,
            (sample, sample, torch.zeros_like(sample)),
            str(partial),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=17,
            dynamo=False,
        )
    os.replace(partial, out)  # a killed export never leaves a half-written model behind


class OnnxEmbedder:
    """Normalised mean-pooled embeddings, like the torch backend's."""

    def __init__(
        self,
        folder: Path,
        cache: Path,
        quantized: bool = False,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        if not (folder / "tokenizer.json").is_file():
            raise IngestError(f"{folder}: no tokenizer.json; the ONNX backend needs one")
        import onnxruntime
        from tokenizers import Tokenizer

        path = export_onnx(folder, cache, quantized)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # Parse workers share the cores: a thread spinning for work would take their time.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session: Any = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer: Any = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self._batch_size = batch_size
        self._dimension = int(self._session.get_outputs()[0].shape[-1] or 384)

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        # Similar lengths share a batch, so little compute goes to padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self._batch_size):
            picked = order[start : start + self._batch_size]
            batch = self._tokenizer.encode_batch([texts[i] for i in picked])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            [hidden] = self._session.run(["last_hidden_state"], feeds)
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for i, row in zip(picked, pooled, strict=True):
                out[i] = row.tolist()
        return out
