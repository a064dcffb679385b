"""Errors raised by retrieval; each message is fit to show a user."""

from __future__ import annotations


class RetrievalError(Exception):
    """Search, evaluation input or prompt assembly failed."""


class PromptTooLongError(RetrievalError):
    """The prompt cannot fit the model's context, even with the fewest sources allowed."""

    def __init__(
        self,
        needed: int,
        available: int,
        context_length: int,
        reserved_answer: int,
        reserved_reasoning: int,
        system: int,
        what: str,
    ) -> None:
        self.needed = needed
        self.available = available
        self.context_length = context_length
        super().__init__(
            f"{what} needs {needed} tokens but only {available} are free: context "
            f"{context_length} - answer {reserved_answer} - reasoning {reserved_reasoning} "
            f"- system prompt {system}"
        )
