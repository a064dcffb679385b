"""What each use case receives: the ports it uses, and nothing of how they are built.

The composition root, `app.workspace.Workspace`, builds the ports once per entry point
(a CLI command, the TUI's desk) and satisfies every protocol here; a service names the
narrowest one it needs and never imports the workspace (an import-linter contract). So a
test, or another front end, hands a service exactly its ports: a catalogue and an index
for removal, an embedder for ingest, an engine and a token counter for answers.

The ports stay lazy behind these protocols: the engine and the embedder load on first
use, so a command that needs neither (a `--no-generate` evaluation, a removal) never
pays for them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from app.settings import Settings
from ingestion.embedder import Embedder
from model_runtime.context_size import ContextChoice
from model_runtime.engine import Engine
from model_runtime.model_store import ModelStore
from model_runtime.registry import ModelEntry
from retrieval.assembler import TokenCounter
from retrieval.catalogue import Catalogue
from retrieval.store import VectorStore


class Configured(Protocol):
    """The settings and the workspace folder (locks, caches, evaluation records)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def home(self) -> Path: ...


class Library(Configured, Protocol):
    """The documents: the catalogue (the only SQL) and the vector index."""

    @property
    def catalogue(self) -> Catalogue: ...

    @property
    def store(self) -> VectorStore: ...


class Indexing(Library, Protocol):
    """Library + the embedder and the recipe the index's vectors are made with."""

    @property
    def embedder(self) -> Embedder: ...

    @property
    def embedder_folder(self) -> Path | None: ...

    @property
    def embedding_dimension(self) -> int: ...

    @property
    def vectors_recipe(self) -> str: ...

    def index_recipe(self) -> str | None: ...

    def record_recipe(self) -> None: ...

    def check_recipe(self) -> None: ...

    def rebuilt_store(self) -> AbstractContextManager[VectorStore]: ...


class Models(Configured, Protocol):
    """The installed models, the one answering, and the context it was given."""

    @property
    def models(self) -> ModelStore: ...

    @property
    def context_choice(self) -> ContextChoice | None: ...

    def model_entry(self) -> ModelEntry: ...

    def use_model(self, name: str) -> ModelEntry: ...


class Inspected(Indexing, Models, Protocol):
    """What `doctor` checks: the library, its index recipe and the models, no engine."""


class Generating(Library, Models, Protocol):
    """Library + the loaded model and its tokenizer (summaries)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def counter(self) -> TokenCounter: ...


class Answering(Indexing, Generating, Protocol):
    """Everything a question needs: the library, the embedder, the engine, its tokenizer."""
