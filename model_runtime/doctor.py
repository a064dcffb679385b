"""The model part of `archivist doctor`: load the model, time a short prefill, extrapolate.

A full 128K prefill takes minutes on a GPU and hours on a laptop CPU; the user should know
which before asking. We time a short prompt and scale linearly, which is a lower bound:
attention cost grows with the context, so long prefills run slower per token.
"""

from __future__ import annotations

import time
from pathlib import Path

from model_runtime.gguf_file import check_gguf, native_context

PROBE_TOKENS = 256


def model_section(path: Path, name: str, context_length: int) -> dict[str, object]:
    from model_runtime.llama_engine import LlamaCppEngine

    metadata = check_gguf(path)
    probe_ctx = min(context_length, 2048)
    engine = LlamaCppEngine(path, name, context_length=probe_ctx)
    llm = engine._llm
    text = "The company reported revenue, margins and capital expenditures by segment. " * 64
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=False)[:PROBE_TOKENS]
    started = time.perf_counter()
    llm.eval(tokens)
    seconds = time.perf_counter() - started
    per_s = len(tokens) / seconds if seconds > 0 else 0.0
    return {
        "ok": True,
        "name": name,
        "file": str(path),
        "architecture": metadata.get("general.architecture"),
        "native_context": native_context(metadata),
        "thinking_mode": engine.supports_thinking,
        "probe_prefill_tokens": len(tokens),
        "prefill_tokens_per_s": round(per_s, 1),
        "estimated_full_context_prefill_s": round(context_length / per_s, 1) if per_s else None,
        "estimate_note": f"linear from {len(tokens)} tokens: a lower bound for long contexts",
    }
