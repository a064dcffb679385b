"""Services receive the ports they declare (app/services/ports.py), nothing else.

Each test hands a service a plain object holding only the ports its protocol names (no
`Workspace`): if a service reached for anything more, these would fail with an
AttributeError; and a port it must not touch raises when touched.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.services.ask import prepare
from app.services.ingest import ingest
from app.services.library import remove
from app.settings import Settings
from app.workspace import Workspace
from ingestion.embedder import Embedder
from model_runtime.context_size import ContextChoice
from model_runtime.engine import Engine
from model_runtime.model_store import ModelStore
from model_runtime.registry import ModelEntry
from retrieval.assembler import TokenCounter
from retrieval.catalogue import Catalogue
from retrieval.store import VectorStore


@dataclass
class LibraryPorts:
    settings: Settings
    home: Path
    catalogue: Catalogue
    store: VectorStore


@dataclass
class AnsweringPorts(LibraryPorts):
    """Everything `ask.prepare` may use; the engine is a trap (a budget is given)."""

    embedder: Embedder
    embedder_folder: Path | None
    embedding_dimension: int
    models: ModelStore
    counter: TokenCounter
    context_choice: ContextChoice | None = None
    vectors_recipe: str = ""

    @property
    def engine(self) -> Engine:
        raise AssertionError("prepare with a budget must not load the model")

    def model_entry(self) -> ModelEntry:
        raise AssertionError("not needed to assemble a prompt")

    def use_model(self, name: str) -> ModelEntry:
        raise AssertionError("not needed to assemble a prompt")

    def index_recipe(self) -> str | None:
        raise AssertionError("not needed to assemble a prompt")

    def record_recipe(self) -> None:
        raise AssertionError("not needed to assemble a prompt")

    def check_recipe(self) -> None:
        raise AssertionError("not needed to assemble a prompt")

    def rebuilt_store(self) -> AbstractContextManager[VectorStore]:
        raise AssertionError("not needed to assemble a prompt")


@pytest.fixture
def library(workspace: Workspace, report_pdf: Path) -> Workspace:
    ingest(workspace, [report_pdf])
    return workspace


def test_remove_needs_only_the_catalogue_and_the_index(library: Workspace) -> None:
    ports = LibraryPorts(library.settings, library.home, library.catalogue, library.store)
    removed = remove(ports, "NORTHWIND_2023_10K")
    assert removed.name == "NORTHWIND_2023_10K"
    assert library.catalogue.documents() == [] and library.store.count() == 0


def test_a_prompt_is_assembled_without_the_model(library: Workspace) -> None:
    ports = AnsweringPorts(
        library.settings,
        library.home,
        library.catalogue,
        library.store,
        embedder=library.embedder,
        embedder_folder=library.embedder_folder,
        embedding_dimension=library.embedding_dimension,
        models=library.models,
        counter=library.counter,
    )
    prompt = prepare(ports, "What were capital expenditures in fiscal 2023?", context_length=2048)
    assert prompt.sources and prompt.report.prompt_tokens <= 2048
    assert "412" in prompt.messages[-1]["content"]
    with pytest.raises(AssertionError, match="must not load the model"):
        prepare(ports, "What were capital expenditures in fiscal 2023?")  # no budget given
