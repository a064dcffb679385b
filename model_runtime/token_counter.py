"""Counting tokens with a model's own tokenizer without loading its weights.

A GGUF carries its vocabulary next to its tensors; llama.cpp's `vocab_only` load reads just
the vocabulary, so sizing a prompt (retrieval evaluation, context reports) costs
milliseconds and a few MB instead of the whole model in memory. The engine counts the same
way once it is loaded, so either serves as the `TokenCounter` port.
"""

from __future__ import annotations

import os
from pathlib import Path

from model_runtime.errors import ModelFileError
from model_runtime.gguf_file import check_gguf


class VocabCounter:
    def __init__(self, path: Path) -> None:
        check_gguf(path)
        import llama_cpp

        # A vocabulary-only load has no training context, so llama.cpp's C code warns on
        # stderr that any context exceeds it; nothing runs in that context: noise.
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(path), vocab_only=True, n_ctx=8, n_batch=8, verbose=False
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelFileError(
                f"llama.cpp could not read {path.name}'s vocabulary: {exc}"
            ) from exc
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
