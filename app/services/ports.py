"""What each use case receives: small protocols, one per capability, and nothing of how
they are built.

After haystack's `DocumentStore` protocol: a capability is a protocol of one to four
members (`HasCatalogue` is the catalogue, `Embedding` the embedder and its dimension), and a
service names the few it uses, combined in one flat protocol beside it (`Removing` is the
catalogue and the index; `Answering` adds the embedder and the engine). No protocol
extends a service's protocol, so a test, or another front end, hands a service an object
holding exactly what it uses.

The composition root, `app.workspace.Workspace`, builds the ports once per entry point
(a CLI command, the TUI's desk) and satisfies every protocol here; services never import
it (an import-linter contract). The ports stay lazy behind these protocols: the engine
and the embedder load on first use, so a command that needs neither (a `--no-generate`
evaluation, a removal) never pays for them.
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

# --- capabilities ------------------------------------------------------------------------


class Configured(Protocol):
    """The settings and the workspace folder (locks, caches, evaluation records)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def home(self) -> Path: ...


class HasCatalogue(Protocol):
    """The documents, pages and chunks (the only SQL)."""

    @property
    def catalogue(self) -> Catalogue: ...


class HasIndex(Protocol):
    """The vector index."""

    @property
    def store(self) -> VectorStore: ...


class Embedding(Protocol):
    """The embedder (loaded on first use) and the dimension of what it makes."""

    @property
    def embedder(self) -> Embedder: ...

    @property
    def embedding_dimension(self) -> int: ...


class IndexRecipe(Protocol):
    """The recipe the index's vectors are made with, recorded so a changed one is caught."""

    @property
    def vectors_recipe(self) -> str: ...

    def index_recipe(self) -> str | None: ...

    def record_recipe(self) -> None: ...

    def check_recipe(self) -> None: ...


class HasModels(Protocol):
    """The installed models and the one answering."""

    @property
    def models(self) -> ModelStore: ...

    def model_entry(self) -> ModelEntry: ...

    def use_model(self, name: str) -> ModelEntry: ...


class HasContext(Protocol):
    """The context the answering model was given, and why (None until chosen)."""

    @property
    def context_choice(self) -> ContextChoice | None: ...


class Generating(Protocol):
    """The loaded model (loaded on first use) and its tokenizer."""

    @property
    def engine(self) -> Engine: ...

    @property
    def counter(self) -> TokenCounter: ...


# --- what each service uses --------------------------------------------------------------


class Removing(Configured, HasCatalogue, HasIndex, Protocol):
    """`library.remove`: a document out of the catalogue and the index (under the
    workspace's ingest lock)."""


class Indexing(Configured, HasCatalogue, HasIndex, Embedding, Protocol):
    """`indexing`: a document's points written, embedded, rewritten (the embedding waits
    while a question is answered on the workspace, so it reads the workspace folder)."""


class Models(Configured, HasModels, HasContext, Protocol):
    """`context`: the context chosen for the active model, and learning its speed."""


class Reindexing(Configured, HasCatalogue, HasIndex, Embedding, IndexRecipe, Protocol):
    """`library.reindex`: the index rebuilt from the catalogue under the current recipe."""

    def rebuilt_store(self) -> AbstractContextManager[VectorStore]: ...


class Ingesting(Configured, HasCatalogue, HasIndex, Embedding, IndexRecipe, Protocol):
    """`ingest` (and `evaluate`, which ingests its filings first, then searches without a
    model): files parsed in the sandbox (which loads the embedder's tokenizer from
    `embedder_folder`), stored and indexed."""

    @property
    def embedder_folder(self) -> Path | None: ...


class Inspected(Configured, HasCatalogue, HasIndex, Embedding, IndexRecipe, HasModels, Protocol):
    """`doctor`: the library, its index recipe and the models; never the engine."""


class ModelDesk(Configured, HasModels, HasContext, Protocol):
    """`desk_models`: list, import and choose models; the hardware they run on."""


class Summarizing(Configured, HasCatalogue, HasModels, Generating, Protocol):
    """`summarize`: pages in, the model's summary out, checkpoints in the catalogue."""


class Answering(
    Configured, HasCatalogue, HasIndex, Embedding, HasModels, HasContext, Generating, Protocol
):
    """`ask`: a question scoped, searched, assembled and answered (and the answering
    model's measured speed learnt)."""


class EvaluatingAnswers(Answering, Ingesting, Protocol):
    """`answer_eval`: the filings ingested, then `ask` over a question set, its records
    keyed by the model."""


class SummarizingFiles(Ingesting, Summarizing, Protocol):
    """`summary_batch`: files ingested when needed, then summarised."""
