"""This machine's prefill speed with a model: a short timed probe, then every answer.

The context choice needs the speed at which this machine reads a prompt with this model.
A first estimate comes from a 256-token probe; it is kept in a JSON file (the workspace's
`cache/prefill.json`) under the model's identity and the machine's (CPU, cores, threads,
llama.cpp backend, GPUs). One measurement can be unlucky: taken while an ingest or a
build held the cores, it reads a fraction of the machine's speed. So the entry is a
running estimate that every answer's prefill updates, leaning towards the fast samples
(a machine is at least as fast as it was once seen to be; slowness is often someone
else's work), and a measurement that saw the machine busy (its process got far less CPU
time than its threads had wall time) is marked `busy` and never replaces a quiet one.

The probe drives the engine through its public `stream` (one generated token), so it
times what an answer's prefill costs and needs nothing of the adapter's insides.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from model_runtime.engine import Engine, GenerationLimits, Mode
from model_runtime.events import Usage

PROBE_TOKENS = 256
WARMUP_TEXT = "Revenue and margins by segment."
PROBE_TEXT = "The company reported revenue, margins and capital expenditures by segment. " * 64
# A prefill whose threads got less than this share of their wall time was sharing the
# cores with other work: its speed is not the machine's.
BUSY_SHARE = 0.6
# How far one sample moves the estimate: most of the way up, a little of the way down.
FASTER_WEIGHT = 0.75
SLOWER_WEIGHT = 0.25


@dataclass(frozen=True)
class PrefillSample:
    tokens: int
    seconds: float
    measured_at: float
    busy: bool = False  # measured while other work held the cores
    samples: int = 1  # measurements behind this estimate

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


def looks_busy(cpu_s: float, wall_s: float, threads: int) -> bool:
    """Whether a CPU prefill ran with its cores shared: llama.cpp keeps every thread busy,
    so a quiet machine gives about `threads` CPU seconds per wall second."""
    return wall_s > 0 and cpu_s < BUSY_SHARE * max(1, threads) * wall_s


def measure_prefill(engine: Engine, threads: int, on_cpu: bool = True) -> PrefillSample:
    """Warm the engine up, then time a ~256-token prefill through `stream`.

    `threads` and `on_cpu` judge whether the machine was busy: a GPU prefill leaves the
    CPU idle whatever the load, so only CPU prefills are judged."""
    limits = GenerationLimits(max_tokens=1, seed=0)
    for _ in engine.stream([{"role": "user", "content": WARMUP_TEXT}], Mode.FAST, limits):
        pass  # first-call costs: buffers, page faults of the weights
    text = PROBE_TEXT
    while engine.count_tokens(text) > PROBE_TOKENS and len(text) > 64:
        text = text[: int(len(text) * 0.9)]
    usage: Usage | None = None
    cpu, wall = time.process_time(), time.perf_counter()
    for event in engine.stream([{"role": "user", "content": text}], Mode.FAST, limits):
        if isinstance(event, Usage):
            usage = event
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if usage is None or usage.prefill_tokens_per_s <= 0:
        return PrefillSample(0, 0.0, time.time(), busy=True)
    tokens = usage.prompt_eval_tokens
    return PrefillSample(
        tokens,
        tokens / usage.prefill_tokens_per_s,
        time.time(),
        busy=on_cpu and looks_busy(cpu, wall, threads),
    )


def blend(old: PrefillSample | None, new: PrefillSample) -> PrefillSample:
    """The estimate after one more sample (both at the probe's length).

    A quiet estimate ignores a busy sample that is slower; any faster sample moves it most
    of the way up; a slower quiet one moves it a quarter of the way down, so a machine
    that really got slower is followed within a few answers."""
    if new.tokens <= 0 or new.seconds <= 0:
        return old or new
    if old is None or old.tokens <= 0 or old.seconds <= 0 or (old.busy and not new.busy):
        return new
    old_rate, new_rate = old.tokens_per_s, new.tokens_per_s
    if new_rate >= old_rate:
        weight = FASTER_WEIGHT
    elif new.busy and not old.busy:
        return PrefillSample(old.tokens, old.seconds, old.measured_at, False, old.samples + 1)
    else:
        weight = SLOWER_WEIGHT
    rate = old_rate + weight * (new_rate - old_rate)
    return PrefillSample(
        old.tokens, old.tokens / rate, new.measured_at, old.busy and new.busy, old.samples + 1
    )


class PrefillCache:
    """Prefill estimates by model and machine, in one small JSON file."""

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
            return PrefillSample(
                int(row["tokens"]),  # type: ignore[index]
                float(row["seconds"]),  # type: ignore[index]
                float(row["measured_at"]),  # type: ignore[index]
                bool(row.get("busy", False)),  # type: ignore[union-attr]
                int(row.get("samples", 1)),  # type: ignore[union-attr]
            )
        except (TypeError, KeyError, ValueError, AttributeError):
            return None

    def put(self, model_id: str, machine: str, sample: PrefillSample) -> PrefillSample:
        """Replace the estimate with a fresh probe (`doctor`), unless the probe saw the
        machine busy and a quiet estimate exists: a busy probe never becomes the speed."""
        old = self.get(model_id, machine)
        if sample.busy and old is not None and not old.busy:
            return old
        self._write(model_id, machine, sample)
        return sample

    def learn(self, model_id: str, machine: str, sample: PrefillSample) -> PrefillSample:
        """Fold one more measured prefill (at the probe's length) into the estimate."""
        updated = blend(self.get(model_id, machine), sample)
        self._write(model_id, machine, updated)
        return updated

    def _write(self, model_id: str, machine: str, sample: PrefillSample) -> None:
        data = self._read()
        data[f"{model_id} @ {machine}"] = asdict(sample)
        partial = self.path.with_suffix(f".{os.getpid()}.partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
            partial.replace(self.path)
        except OSError:
            return  # a read-only workspace (or a full disk): measured again next time
