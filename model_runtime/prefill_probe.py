"""A short timed prefill, cached per model and machine.

The context choice needs this machine's prefill speed with this model. Measuring takes a
model load and a few seconds, so the result is kept in a JSON file (the workspace's
`cache/prefill.json`) under the model's identity (its SHA-256 when known) and the machine's
(CPU model, cores, threads, llama.cpp backend, GPU names): a new model, a new machine or a
GPU build measures again; `archivist doctor` always measures and refreshes the entry.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from model_runtime.hardware import nvidia_smi

PROBE_TOKENS = 256
WARMUP_TOKENS = 16
PROBE_TEXT = "The company reported revenue, margins and capital expenditures by segment. " * 64


@dataclass(frozen=True)
class PrefillSample:
    tokens: int
    seconds: float
    measured_at: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


def measure_prefill(path: Path, threads: int | None, gpu_offload: bool | None) -> PrefillSample:
    """Load the model with a small context, warm it up, then time a 256-token prefill."""
    from model_runtime.llama_engine import LlamaCppEngine

    engine = LlamaCppEngine(
        path, path.stem, context_length=1024, threads=threads, gpu_offload=gpu_offload
    )
    llm = engine._llm
    tokens = llm.tokenize(PROBE_TEXT.encode("utf-8"), add_bos=False)[:PROBE_TOKENS]
    llm.eval(tokens[:WARMUP_TOKENS])  # first-call costs: buffers, page faults of the weights
    llm.reset()
    started = time.perf_counter()
    llm.eval(tokens)
    seconds = time.perf_counter() - started
    return PrefillSample(len(tokens), seconds, time.time())


def machine_identity(threads: int, backend: str) -> str:
    """What prefill speed depends on besides the model: CPU, cores used, backend, GPUs."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpus = "\n".join(nvidia_smi("name") or []) if backend != "CPU" else ""
    return f"{cpu} | {os.cpu_count()} cpus | {threads} threads | {backend} | {gpus}"


class PrefillCache:
    """Prefill samples by model and machine, in one small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, float]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, model_id: str, machine: str) -> PrefillSample | None:
        row = self._read().get(f"{model_id} @ {machine}")
        try:
            return PrefillSample(int(row["tokens"]), float(row["seconds"]), row["measured_at"])  # type: ignore[index]
        except (TypeError, KeyError, ValueError):
            return None

    def put(self, model_id: str, machine: str, sample: PrefillSample) -> None:
        data = self._read()
        data[f"{model_id} @ {machine}"] = asdict(sample)
        partial = self.path.with_suffix(".partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
            partial.replace(self.path)
        except OSError:
            return  # a read-only workspace (or a full disk): measured again next time
