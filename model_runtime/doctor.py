"""The model part of `archivist doctor`: what the model is, and how fast it reads here.

The prefill speed comes from a short timed prefill (model_runtime/prefill_probe.py); the
time a full context takes is extrapolated with the model's shape (attention grows with the
position, so a long prefill is slower per token than the probe).
"""

from __future__ import annotations

from pathlib import Path

from model_runtime.chat_template import CHATML, ChatTemplate
from model_runtime.context_size import ModelShape
from model_runtime.gguf_file import check_gguf, native_context
from model_runtime.prefill_probe import PrefillSample


def model_section(
    path: Path, name: str, context_length: int, sample: PrefillSample
) -> dict[str, object]:
    metadata = check_gguf(path)
    template = ChatTemplate(str(metadata.get("tokenizer.chat_template") or CHATML), "", "")
    shape = ModelShape.from_metadata(metadata, path.stat().st_size)
    full = shape.prefill_seconds(context_length, sample.tokens, sample.tokens_per_s)
    return {
        "ok": True,
        "name": name,
        "file": str(path),
        "architecture": metadata.get("general.architecture"),
        "native_context": native_context(metadata),
        "trained_context": shape.trained_context,
        "thinking_mode": template.supports_thinking,
        "probe_prefill_tokens": sample.tokens,
        "prefill_tokens_per_s": round(sample.tokens_per_s, 1),
        "estimated_full_context_prefill_s": round(full, 1),
        "estimate_note": f"from {sample.tokens} tokens, attention growth from the model's shape",
    }
