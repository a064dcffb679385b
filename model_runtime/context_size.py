"""How long a context to run a model with here: trained range, memory, time to first token.

A fixed 4,096 tokens wastes a GPU and a 128K context on a 2-core CPU means an hour before
the first word. So the context is the largest that (a) the model was trained for (Qwen3:
32,768 native, 131,072 with YaRN; others: their GGUF metadata), (b) fits the memory it runs
in (weights + KV cache at the size llama.cpp allocates, q8_0 past 32K, + headroom: RAM on
the CPU, the GPU's memory when layers are offloaded) and (c) this machine can prefill within
a time-to-first-token target. (c) comes from a measured prefill rate, extrapolated with
the model's own shape: each token costs its matrix products (the same at every position)
plus attention over every earlier token (growing with the position), so a full-context
prefill is slower per token than the probe, by a factor the layer sizes give.

Speed shapes the context but never refuses a question: a machine too slow for the target
at every size answers at the smallest workable context and says how long it will take (a
slow answer beats none; the estimate itself may come from a busy moment).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from model_runtime.errors import ModelError
from model_runtime.gguf_file import QWEN3_ARCHITECTURES, QWEN3_NATIVE_CONTEXT, native_context
from model_runtime.prefill_probe import PrefillSample

YARN_FACTOR = 4
KV_QUANTIZE_ABOVE = 32_768
STEP = 1024  # contexts are chosen in whole KiB of tokens
MIN_CONTEXT = 2048  # below this no page of a filing fits beside the answer
HEADROOM_BYTES = int(1.5e9)  # the OS, the runtime's compute buffers, the embedder
Q8_BYTES = 1.0625  # q8_0: 34 bytes per 32 values


LIMIT_NAMES = {"trained": "the model's trained range", "memory": "memory", "ttft": "prefill time"}


@dataclass(frozen=True)
class ModelShape:
    """What the context choice needs from a GGUF header."""

    architecture: str
    layers: int
    embedding: int
    heads: int
    kv_heads: int
    key_length: int
    value_length: int
    feed_forward: int
    experts_used: int
    native_context: int
    file_bytes: int

    @classmethod
    def from_metadata(cls, metadata: dict[str, object], file_bytes: int) -> ModelShape:
        arch = str(metadata.get("general.architecture"))

        def number(key: str, default: int) -> int:
            value = metadata.get(f"{arch}.{key}")
            return int(value) if isinstance(value, int) and not isinstance(value, bool) else default

        embedding = number("embedding_length", 4096)
        heads = number("attention.head_count", 32)
        head_dim = embedding // max(1, heads)
        experts = number("expert_used_count", 0)
        ff = number("expert_feed_forward_length", 0) if experts else 0
        return cls(
            architecture=arch,
            layers=number("block_count", 32),
            embedding=embedding,
            heads=heads,
            kv_heads=number("attention.head_count_kv", heads),
            key_length=number("attention.key_length", head_dim),
            value_length=number("attention.value_length", head_dim),
            feed_forward=ff or number("feed_forward_length", 4 * embedding),
            experts_used=max(1, experts),
            native_context=native_context(metadata) or 4096,
            file_bytes=file_bytes,
        )

    @property
    def trained_context(self) -> int:
        """Qwen3 publishes YaRN x4 over its native 32,768; other models keep their metadata."""
        if self.architecture in QWEN3_ARCHITECTURES and self.native_context == QWEN3_NATIVE_CONTEXT:
            return self.native_context * YARN_FACTOR
        return self.native_context

    def matmul_flops_per_token(self) -> float:
        """Projections and feed-forward (active experts only), 2 FLOPs per weight."""
        attention = self.embedding * (
            self.heads * self.key_length * 2 + self.kv_heads * (self.key_length + self.value_length)
        )
        ffn = 3 * self.embedding * self.feed_forward * self.experts_used
        return 2.0 * self.layers * (attention + ffn)

    def attention_flops_per_position(self) -> float:
        """Scores and weighted sum against one earlier token, every head, every layer."""
        return 2.0 * self.layers * self.heads * (self.key_length + self.value_length)

    def kv_bytes(self, context: int) -> float:
        per_value = Q8_BYTES if context > KV_QUANTIZE_ABOVE else 2.0
        return (
            self.layers
            * self.kv_heads
            * (self.key_length + self.value_length)
            * per_value
            * context
        )

    @property
    def _growth(self) -> float:
        """n tokens cost n x matmul + n^2/2 x attention = n x matmul x (1 + n x growth)."""
        return self.attention_flops_per_position() / (2 * self.matmul_flops_per_token())

    def probe_equivalent(self, tokens: int, seconds: float, probe_tokens: int) -> float:
        """Seconds a `probe_tokens` prefill takes at the speed a `tokens` prefill showed, so
        an answer's prefill (any length) updates the same estimate as the probe."""
        base = (seconds / max(1, tokens)) / (1 + tokens * self._growth)
        return probe_tokens * base * (1 + probe_tokens * self._growth)

    def flops_per_s(self, sample: PrefillSample) -> float:
        """The compute rate the measured prefill shows (at position 0), in FLOP/s."""
        base = (sample.seconds / max(1, sample.tokens)) / (1 + sample.tokens * self._growth)
        return self.matmul_flops_per_token() / base if base > 0 else 0.0

    def prefill_seconds(self, tokens: int, probe_tokens: int, probe_tokens_per_s: float) -> float:
        """Time to read `tokens` tokens, from a probe of `probe_tokens` at the measured rate.

        Checked on the starter (bench/RESULTS.md): from 70.9 tok/s on 265 tokens it gives
        224 s for 7,470 tokens; measured: 245 s.
        """
        base = (1 / probe_tokens_per_s) / (1 + probe_tokens * self._growth)  # s/token at 0
        return tokens * base * (1 + tokens * self._growth)


@dataclass(frozen=True)
class ContextChoice:
    """The context in use and why: the limiting factor and each limit's number."""

    context_length: int
    limit: str  # "setting", "trained", "memory" or "ttft"
    trained_max: int
    memory_max: int | None = None
    memory_bytes: int | None = None
    memory_kind: str = ""  # "RAM" or "GPU memory"
    ttft_max: int | None = None
    ttft_target_s: float | None = None
    prefill_tokens_per_s: float | None = None  # measured on the probe
    estimated_ttft_s: float | None = None  # for a full context
    measured: str = ""  # "now" or "cached"
    busy: bool = False  # the speed was measured while other work held the cores
    over_target: bool = False  # even the smallest context misses the target: answered anyway

    def describe(self) -> str:
        """One line: the context and the limiting factor, with the numbers."""
        head = f"context {self.context_length:,} tokens"
        if self.limit == "setting":
            return f"{head}: set by context_length"
        parts = [f"trained for {self.trained_max:,}"]
        if self.memory_max is not None and self.memory_bytes is not None:
            parts.append(
                f"{self.memory_kind} {self.memory_bytes / 1e9:.1f} GB holds {self.memory_max:,}"
            )
        if self.over_target and self.prefill_tokens_per_s is not None:
            parts.append(
                f"prefill {self.prefill_tokens_per_s:,.0f} tok/s{self._busy()}: even "
                f"{self.context_length:,} tokens miss the {self.ttft_target_s:g} s TTFT target"
            )
        elif self.ttft_max is not None and self.prefill_tokens_per_s is not None:
            parts.append(
                f"prefill {self.prefill_tokens_per_s:,.0f} tok/s reads {self.ttft_max:,} "
                f"within the {self.ttft_target_s:g} s TTFT target"
            )
        why = LIMIT_NAMES
        est = f"; est. TTFT {self.estimated_ttft_s:.0f} s" if self.estimated_ttft_s else ""
        return f"{head}, limited by {why[self.limit]} ({'; '.join(parts)}{est})"

    def _busy(self) -> str:
        return " (measured while the machine was busy)" if self.busy else ""

    def short(self) -> str:
        """For an answer's status line: the window and its limit; empty when it was set."""
        if self.limit == "setting":
            return ""
        head = f"window {self.context_length:,}: {LIMIT_NAMES[self.limit]}"
        return f"{head}, {self.slow_note()}" if self.over_target else head

    def slow_note(self) -> str:
        """Why an answer comes slowly, for the CLI's note and the TUI's answer line; empty
        when the target is met."""
        if not self.over_target or self.estimated_ttft_s is None:
            return ""
        return (
            f"est. TTFT {self.estimated_ttft_s:.0f} s, over the {self.ttft_target_s:g} s "
            f"target at the smallest context ({self.context_length:,} tokens; prefill "
            f"{self.prefill_tokens_per_s or 0:,.0f} tok/s{self._busy()})"
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"why": self.describe()}


def _candidates(trained: int) -> list[int]:
    sizes = list(range(MIN_CONTEXT, trained + 1, STEP))
    if not sizes or sizes[-1] != trained:
        sizes.append(trained)
    return [s for s in sizes if s >= min(MIN_CONTEXT, trained)]


def choose_context(
    shape: ModelShape,
    memory_bytes: int,
    memory_kind: str,
    probe_tokens: int,
    probe_tokens_per_s: float,
    ttft_target_s: float,
    measured: str = "now",
    busy: bool = False,
) -> ContextChoice:
    """The largest context within the trained range, the memory and the TTFT target; when
    no context that fits is fast enough, the smallest that fits, marked `over_target`."""
    sizes = _candidates(shape.trained_context)
    usable = memory_bytes - HEADROOM_BYTES - shape.file_bytes
    fits = [s for s in sizes if memory_bytes <= 0 or shape.kv_bytes(s) <= usable]  # 0: unknown
    fast = [
        s
        for s in sizes
        if shape.prefill_seconds(s, probe_tokens, probe_tokens_per_s) <= ttft_target_s
    ]
    if not fits:
        raise ModelError(
            f"the model ({shape.file_bytes / 1e9:.1f} GB) and a {sizes[0]:,}-token KV cache "
            f"do not fit in {memory_kind} ({memory_bytes / 1e9:.1f} GB available)"
        )
    both = sorted(set(fits) & set(fast))
    over = not both  # even the smallest context that fits is too slow: answer at it anyway
    chosen = min(fits) if over else both[-1]
    limits = {"trained": shape.trained_context, "memory": max(fits), "ttft": max(fast, default=0)}
    limit = "ttft" if over else min(limits, key=lambda name: (limits[name], name != "trained"))
    return ContextChoice(
        context_length=chosen,
        limit=limit,
        trained_max=shape.trained_context,
        memory_max=max(fits),
        memory_bytes=memory_bytes,
        memory_kind=memory_kind,
        ttft_max=max(fast, default=None),
        ttft_target_s=ttft_target_s,
        prefill_tokens_per_s=round(probe_tokens_per_s, 1),
        estimated_ttft_s=round(shape.prefill_seconds(chosen, probe_tokens, probe_tokens_per_s), 1),
        measured=measured,
        busy=busy,
        over_target=over,
    )


def shape_of(path: Path) -> ModelShape:
    from model_runtime.gguf_file import check_gguf

    return ModelShape.from_metadata(check_gguf(path), path.stat().st_size)
