"""The llama.cpp adapter: the only module that imports `llama_cpp`.

We drive llama.cpp token by token (`Llama.eval` for the prompt, `Llama.generate` for the
answer) rather than through `create_chat_completion`, because the product needs things the
high-level call hides: the model's own chat template with `enable_thinking`, rendered in a
sandbox; a cancel check before every token and between prompt batches; a reasoning budget
that closes the think block and makes the model answer; the document prefix's KV state
saved and restored; and honest prefill/decode timings.
"""

from __future__ import annotations

import codecs
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from model_runtime.amx_guard import weights_without_amx
from model_runtime.chat_template import CHATML, ChatTemplate, strip_reasoning
from model_runtime.engine import (
    BUDGET_NOTE,
    JSON_FAST_NOTE,
    NO_THINKING_NOTE,
    SAMPLING,
    GenerationLimits,
    Message,
    Mode,
    ModelInfo,
)
from model_runtime.errors import ContextOverflowError, ModelFileError, SchemaError
from model_runtime.events import AnswerDelta, Event, ReasoningDelta, Usage
from model_runtime.gguf_file import check_gguf, native_context
from model_runtime.hardware import RuntimeSettings, choose_settings, restore_is_faster, tuned
from model_runtime.kv_cache import KvCache, prefix_key
from model_runtime.schema_guard import check_schema
from model_runtime.thinking import FORCED_CLOSE, ThinkSplitter


class LlamaCppEngine:
    """A GGUF model loaded through llama-cpp-python, streamed as typed events."""

    def __init__(
        self,
        path: Path,
        name: str,
        context_length: int = 4096,
        threads: int | None = None,
        *,
        model_id: str | None = None,
        kv_cache: KvCache | None = None,
        kv_min_prefix_tokens: int = 256,
        gpu_offload: bool | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        """`overrides` replaces chosen runtime settings by name (the GPU bench's variants)."""
        metadata = check_gguf(path)
        import llama_cpp

        self._llama_cpp = llama_cpp
        self._name = name
        self._path = path
        self._arch = str(metadata.get("general.architecture"))
        self._native = native_context(metadata)
        stat = path.stat()
        self._model_id = model_id or f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        self._kv = kv_cache
        self._kv_min = kv_min_prefix_tokens
        offload = llama_cpp.llama_supports_gpu_offload() if gpu_offload is None else gpu_offload
        self.settings: RuntimeSettings = tuned(
            choose_settings(context_length, self._native, bool(offload), threads),
            **dict(overrides or {}),
        )
        try:
            with weights_without_amx(llama_cpp):
                self._llm = llama_cpp.Llama(
                    model_path=str(path), verbose=False, **self.settings.llama_kwargs()
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelFileError(f"llama.cpp could not load {path.name}: {exc}") from exc
        vocab = self._llm._model.vocab
        self._add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
        self._template = ChatTemplate(
            self._llm.metadata.get("tokenizer.chat_template") or CHATML,
            bos_token=self._piece(self._llm.token_bos()),
            eos_token=self._piece(self._llm.token_eos()),
        )

    # -- what the rest of Archivist reads ------------------------------------------------

    @property
    def context_length(self) -> int:
        return int(self._llm.n_ctx())

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def supports_thinking(self) -> bool:
        return self._template.supports_thinking

    @property
    def model_info(self) -> ModelInfo:
        return ModelInfo(
            name=self._name,
            path=str(self._path),
            architecture=self._arch,
            context_length=self.context_length,
            native_context_length=self._native,
            supports_thinking=self.supports_thinking,
            settings=self.settings.as_dict(),
        )

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def render_prompt(self, messages: list[Message], mode: Mode) -> tuple[str, Mode, str]:
        """The prompt text the model sees, the mode that will really run, and why if changed."""
        note = ""
        if mode is Mode.THINKING and not self.supports_thinking:
            mode, note = Mode.FAST, NO_THINKING_NOTE
        enable = (mode is Mode.THINKING) if self.supports_thinking else None
        return self._template.render(messages, enable), mode, note

    # -- generation ------------------------------------------------------------------------

    def stream(
        self, messages: list[Message], mode: Mode, limits: GenerationLimits
    ) -> Iterator[Event]:
        started = time.perf_counter()
        if limits.json_schema is not None and mode is Mode.THINKING:
            mode, json_note = Mode.FAST, JSON_FAST_NOTE
        else:
            json_note = ""
        prompt, mode, note = self.render_prompt(messages, mode)
        note = note or json_note
        tokens, prefix_len = self._tokenize_prompt(prompt, messages)
        if len(tokens) + limits.max_tokens > self.context_length:
            raise ContextOverflowError(len(tokens), limits.max_tokens, self.context_length)
        grammar = self._grammar(limits.json_schema)
        if limits.seed is not None:
            self._llm.set_seed(limits.seed)

        if self._kv is not None:
            self._kv.save_error = ""  # a failed save is told once, with the answer it spared
        cached = self._prefill(tokens, prefix_len, limits)
        prefill_done = time.perf_counter()
        evaluated = len(tokens) - cached if cached is not None else 0
        sampling = SAMPLING[mode]
        splitter = ThinkSplitter(starts_in_reasoning=prompt.rstrip().endswith("<think>"))
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        generated: list[int] = []
        reasoning_tokens = 0
        first_token_at: float | None = None
        stop = "cancelled" if cached is None else "length"
        sequence = tokens
        forced = False
        while cached is not None:
            restart = False
            generator = self._llm.generate(
                sequence,
                top_k=sampling.top_k,
                top_p=sampling.top_p,
                min_p=sampling.min_p,
                temp=sampling.temperature,
                repeat_penalty=1.0,
                grammar=grammar,
            )
            for token in generator:
                if limits.cancel is not None and limits.cancel.is_set():
                    stop = "cancelled"
                    break
                if self._llama_cpp.llama_vocab_is_eog(self._llm._model.vocab, token):
                    stop = "stop"
                    break
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                generated.append(token)
                yield from splitter.feed(decoder.decode(self._raw_piece(token)))
                if splitter.in_reasoning:  # counts `<think>` itself, not `</think>`
                    reasoning_tokens += 1
                if len(generated) >= limits.max_tokens:
                    stop = "length"
                    break
                budget = limits.reasoning_budget
                if budget is not None and splitter.in_reasoning and reasoning_tokens >= budget:
                    # Close the block ourselves; the model continues with its answer.
                    forced, restart = True, True
                    yield from splitter.feed(decoder.decode(b"", final=True) + FORCED_CLOSE)
                    sequence = [*tokens, *generated, *self._tokenize(FORCED_CLOSE)]
                    break
            generator.close()
            if not restart:
                break
        yield from splitter.feed(decoder.decode(b"", final=True))
        yield from splitter.finish()
        ended = time.perf_counter()
        first = first_token_at or ended
        prefill_s = prefill_done - started
        decode_s = ended - first
        yield Usage(
            prompt_tokens=len(tokens),
            completion_tokens=len(generated),
            prefill_tokens_per_s=evaluated / prefill_s if prefill_s > 0 else 0.0,
            decode_tokens_per_s=(len(generated) - 1) / decode_s if decode_s > 0 else 0.0,
            time_to_first_token_s=first - started,
            stop_reason=stop,
            model=self._name,
            mode=mode.value,
            incomplete=stop != "stop" or not splitter.closed,
            prompt_eval_tokens=evaluated,
            cached_tokens=cached or 0,
            reasoning_tokens=reasoning_tokens,
            note="; ".join(
                text
                for text in (
                    note or (BUDGET_NOTE if forced else ""),
                    self._kv and self._kv.save_error,
                )
                if text
            ),
        )

    # -- helpers ---------------------------------------------------------------------------

    def _tokenize(self, text: str, add_bos: bool = False) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True))

    def _tokenize_prompt(self, prompt: str, messages: list[Message]) -> tuple[list[int], int]:
        """Prompt tokens, and how many of them are the cacheable document prefix.

        The prefix ends where the last paragraph of the final user message begins (documents
        first, question last); it is tokenized on its own so that the same documents always
        give the same prefix tokens whatever question follows.
        """
        add_bos = self._add_bos and not prompt.startswith(self._template.bos_token or "\0")
        boundary = _prefix_boundary(prompt, strip_reasoning(messages))  # as rendered
        if boundary <= 0:
            return self._tokenize(prompt, add_bos), 0
        head = self._tokenize(prompt[:boundary], add_bos)
        return head + self._tokenize(prompt[boundary:]), len(head)

    def _prefill(self, tokens: list[int], prefix_len: int, limits: GenerationLimits) -> int | None:
        """Evaluate the prompt, reusing what memory or the disk cache holds.

        Returns how many prompt tokens were reused, or None when cancelled.
        """
        llm = self._llm
        held = llm.input_ids[: llm.n_tokens].tolist()
        reused = min(_common_prefix(held, tokens), len(tokens) - 1)
        use_disk = (
            self._kv is not None and prefix_len >= self._kv_min and self.settings.kv_disk != "never"
        )
        # A state only fits the same model with the same KV layout.
        layout = f"{self._model_id}:{self.settings.kv_cache_type}:{self.settings.yarn}"
        key = prefix_key(layout, tokens[:prefix_len]) if use_disk else ""
        if use_disk and reused < prefix_len and self._restore(key, tokens[:prefix_len]):
            reused = prefix_len
        llm.n_tokens = reused
        if use_disk and reused < prefix_len:
            began = time.perf_counter()
            if not self._eval(tokens[reused:prefix_len], limits):
                return None
            # What computing the whole prefix costs, scaled up from the part computed now.
            compute_s = (time.perf_counter() - began) * prefix_len / (prefix_len - reused)
            self._save(key, tokens[:prefix_len], compute_s)
            start = prefix_len
        else:
            start = reused
        if not self._eval(tokens[start:], limits):
            return None
        return reused

    def _eval(self, tokens: Sequence[int], limits: GenerationLimits) -> bool:
        step = max(1, int(self._llm.n_batch))
        for at in range(0, len(tokens), step):
            if limits.cancel is not None and limits.cancel.is_set():
                return False
            self._llm.eval(tokens[at : at + step])
        return True

    def _save(self, key: str, tokens: list[int], compute_s: float) -> None:
        """Save sequence 0's KV cells only (no logits: the suffix is always evaluated).

        Under the "auto" policy (GPU builds) only when reading the state back would clearly
        beat computing it again: a fast GPU recomputes 32K tokens in seconds, less than
        reading ~5 GB of state back takes, and the save itself costs about as much again.
        """
        assert self._kv is not None
        llama_cpp, ctx = self._llama_cpp, self._llm._ctx.ctx
        size = int(llama_cpp.llama_state_seq_get_size(ctx, 0))
        if self.settings.kv_disk == "auto" and not restore_is_faster(compute_s, size):
            return
        buffer = (llama_cpp.ctypes.c_uint8 * size)()
        written = int(llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0))
        if 0 < written <= size:
            self._kv.save(key, tokens, llama_cpp.ctypes.string_at(buffer, written))

    def _restore(self, key: str, tokens: list[int]) -> bool:
        assert self._kv is not None
        saved = self._kv.load(key)
        if saved is None or saved.tokens != tokens:
            return False
        llama_cpp, ctx = self._llama_cpp, self._llm._ctx.ctx
        buffer = (llama_cpp.ctypes.c_uint8 * len(saved.state)).from_buffer_copy(saved.state)
        self._llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        if int(llama_cpp.llama_state_seq_set_data(ctx, buffer, len(saved.state), 0)) == 0:
            self._llm.n_tokens = 0
            return False
        self._llm.input_ids[: len(tokens)] = tokens
        self._llm.n_tokens = len(tokens)
        return True

    def _grammar(self, schema: dict[str, object] | None) -> Any:
        if schema is None:
            return None
        check_schema(schema)  # a recursive schema would crash llama.cpp's sampler
        try:
            return self._llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        except (ValueError, RuntimeError, KeyError, TypeError, RecursionError) as exc:
            raise SchemaError(f"the JSON schema cannot be turned into a grammar: {exc}") from exc

    def _raw_piece(self, token: int) -> bytes:
        return bytes(self._llm.detokenize([token]))

    def _piece(self, token: int) -> str:
        if token < 0:
            return ""
        return bytes(self._llm.detokenize([token], special=True)).decode("utf-8", "replace")


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _prefix_boundary(prompt: str, messages: list[Message]) -> int:
    """Where the final user message's last paragraph starts in the prompt (0: no prefix)."""
    if not messages or messages[-1]["role"] != "user":
        return 0
    content = messages[-1]["content"]
    cut = content.rfind("\n\n")
    if cut <= 0:
        return 0
    head = content[: cut + 2]
    at = prompt.rfind(head)
    return at + len(head) if at >= 0 else 0


__all__ = ["AnswerDelta", "LlamaCppEngine", "ReasoningDelta"]
