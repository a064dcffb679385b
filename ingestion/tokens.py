"""Token offsets in the embedder's own tokenizer, so chunk sizes are true model tokens.

`tokenizers` (Rust, no torch) loads the model folder's tokenizer.json in milliseconds,
which keeps it usable inside the parsing sandbox.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Protocol

WORD_PIECES = re.compile(r"\w+|[^\w\s]")


class TokenOffsets(Protocol):
    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the tokens of `text`, special tokens excluded."""
        ...


class TokenizerOffsets:
    def __init__(self, tokenizer_json: Path) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from tokenizers import Tokenizer

        self._tokenizer: Any = Tokenizer.from_file(str(tokenizer_json))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def offsets(self, text: str) -> list[tuple[int, int]]:
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        return [(int(a), int(b)) for a, b in encoding.offsets]


class ApproximateOffsets:
    """Words and punctuation as tokens: the estimate used when a model has no tokenizer.json."""

    def offsets(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in WORD_PIECES.finditer(text)]


def token_offsets_for(model_folder: Path | None) -> TokenOffsets:
    if model_folder is not None and (Path(model_folder) / "tokenizer.json").is_file():
        return TokenizerOffsets(Path(model_folder) / "tokenizer.json")
    return ApproximateOffsets()
