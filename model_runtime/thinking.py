"""Split a streamed completion into reasoning and answer at the `<think>` tags.

Tags can arrive cut across deltas, so text that might be the start of a tag is held back
until the next delta decides it. Qwen3-2507 thinking models put `<think>` in the prompt and
never write it: the engine then starts the splitter inside the block
(`starts_in_reasoning=True`).
"""

from __future__ import annotations

from collections.abc import Iterator

from model_runtime.events import AnswerDelta, ReasoningDelta

OPEN = "<think>"
CLOSE = "</think>"
FORCED_CLOSE = "\n</think>\n\n"  # written for the model when its reasoning budget runs out


class ThinkSplitter:
    def __init__(self, starts_in_reasoning: bool = False) -> None:
        self._buffer = ""
        self._in_reasoning = starts_in_reasoning
        self._reasoning: list[str] = []
        self._answer: list[str] = []
        self.closed = not starts_in_reasoning

    def feed(self, text: str) -> Iterator[AnswerDelta | ReasoningDelta]:
        self._buffer += text
        while self._buffer:
            tag = CLOSE if self._in_reasoning else OPEN
            at = self._buffer.find(tag)
            if at >= 0:
                yield from self._emit(self._buffer[:at])
                self._buffer = self._buffer[at + len(tag) :]
                self._switch()
                continue
            if self._in_reasoning and not self._reasoning and OPEN in self._buffer:
                # Started inside the block, and the model wrote the opening tag anyway.
                head, _, tail = self._buffer.partition(OPEN)
                if not head.strip():
                    self._buffer = tail
                    continue
            keep = _partial_tag_suffix(self._buffer)
            yield from self._emit(self._buffer[: len(self._buffer) - keep])
            self._buffer = self._buffer[len(self._buffer) - keep :]
            break

    def finish(self) -> Iterator[AnswerDelta | ReasoningDelta]:
        rest, self._buffer = self._buffer, ""
        yield from self._emit(rest)

    @property
    def in_reasoning(self) -> bool:
        return self._in_reasoning

    @property
    def answer(self) -> str:
        return "".join(self._answer)

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    def _switch(self) -> None:
        if self._in_reasoning:
            self._in_reasoning = False
            self.closed = True
        else:
            self._in_reasoning = True
            self.closed = False

    def _emit(self, text: str) -> Iterator[AnswerDelta | ReasoningDelta]:
        if not text:
            return
        if self._in_reasoning:
            self._reasoning.append(text)
            yield ReasoningDelta(text)
        else:
            # Leading whitespace between </think> and the answer is noise.
            if not self._answer:
                text = text.lstrip()
                if not text:
                    return
            self._answer.append(text)
            yield AnswerDelta(text)


def _partial_tag_suffix(text: str) -> int:
    """Length of the longest suffix of `text` that could begin a tag."""
    for tag in (OPEN, CLOSE):
        for n in range(min(len(tag) - 1, len(text)), 0, -1):
            if text.endswith(tag[:n]):
                return n
    return 0
