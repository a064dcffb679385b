"""What `bench/runtime.py` and `bench/runtime_gpu.py` both run: one generation through our
engine or through raw llama-cpp-python, timed the same way, over the same document text.
Its own module so the GPU benchmark need not import the CPU one that launches it."""

from __future__ import annotations

import sys
import time
from typing import Any

from model_runtime.engine import GenerationLimits, Message, Mode
from model_runtime.events import AnswerDelta, ReasoningDelta, Usage
from model_runtime.llama_engine import LlamaCppEngine

PARAGRAPH = (
    "Net revenue increased 7 percent to 5.2 billion dollars, driven by specialty cheese and "
    "olive oil sales to restaurants; capital expenditures were 412 million dollars, mainly "
    "for warehouses in Ohio and a refrigerated fleet, and operating margin was 8.1 percent. "
)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def document_messages(engine: LlamaCppEngine, prefix_tokens: int, question: str) -> list[Message]:
    per = engine.count_tokens(PARAGRAPH)
    body = PARAGRAPH * max(1, prefix_tokens // per)
    return [
        {"role": "system", "content": "Answer only from the sources and cite them."},
        {"role": "user", "content": f"Sources:\n\n[S1] REPORT p.1\n{body}\n\nQuestion: {question}"},
    ]


def run_engine(engine: LlamaCppEngine, messages: list[Message], tokens: int) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    usage: Usage | None = None
    for event in engine.stream(messages, Mode.FAST, GenerationLimits(tokens, seed=1)):
        if isinstance(event, Usage):
            usage = event
        elif not isinstance(event, AnswerDelta | ReasoningDelta):
            raise TypeError(event)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert usage is not None
    return {
        "ttft_s": usage.time_to_first_token_s,
        "prefill_tok_s": usage.prompt_tokens / usage.time_to_first_token_s,
        "decode_tok_s": usage.decode_tokens_per_s,
        "completion_tokens": usage.completion_tokens,
        "prompt_tokens": usage.prompt_tokens,
        "prompt_eval_tokens": usage.prompt_eval_tokens,
        "total_s": total,
        "cpu_s": cpu,
    }


def run_raw(llm: Any, prompt: str, tokens: int) -> dict[str, float]:
    llm.reset()
    started, cpu = time.perf_counter(), time.process_time()
    first: float | None = None
    count = 0
    for chunk in llm.create_completion(
        prompt, max_tokens=tokens, stream=True, temperature=0.7, top_p=0.8, top_k=20,
        min_p=0.0, repeat_penalty=1.0, seed=1,
    ):  # fmt: skip
        if first is None:
            first = time.perf_counter()
        if chunk["choices"][0]["finish_reason"] is None:  # one chunk per token, then a last one
            count += 1
    ended, cpu = time.perf_counter(), time.process_time() - cpu
    first = first or ended
    n_prompt = len(llm.tokenize(prompt.encode(), add_bos=False, special=True))
    return {
        "ttft_s": first - started,
        "prefill_tok_s": n_prompt / (first - started),
        "decode_tok_s": (count - 1) / (ended - first) if ended > first else 0.0,
        "completion_tokens": count,
        "prompt_tokens": n_prompt,
        "total_s": ended - started,
        "cpu_s": cpu,
    }
