"""Services receive the ports they declare (app/services/ports.py), nothing else.

Each test hands a service a plain object holding only the ports its protocol names (no
`Workspace`): if a service reached for anything more, these would fail with an
AttributeError; and a port it must not touch raises when touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from app.services.ask import prepare
from app.services.library import remove
from app.settings import Settings
from app.workspace import Workspace
from ingestion.embedder import Embedder
from model_runtime.context_size import ContextChoice
from model_runtime.engine import Engine
from retrieval.assembler import TokenCounter
from retrieval.catalogue import Catalogue
from retrieval.store import VectorStore


@dataclass
class RemovingPorts:
    """What `library.remove` names (`Removing`): settings, home, catalogue, index."""

    settings: Settings
    home: Path
    catalogue: Catalogue
    store: VectorStore


@dataclass
class AnsweringPorts(RemovingPorts):
    """What `ask.prepare` names (`Answering`); the engine is a trap (a budget is given)."""

    embedder: Embedder
    embedding_dimension: int
    counter: TokenCounter
    context_choice: ContextChoice | None = None

    @property
    def engine(self) -> Engine:
        raise AssertionError("prepare with a budget must not load the model")


@pytest.fixture
def library(northwind: Workspace) -> Workspace:
    return northwind  # the report, ingested once for the run (tests/conftest.py)


def test_remove_needs_only_the_catalogue_and_the_index(library: Workspace) -> None:
    ports = RemovingPorts(library.settings, library.home, library.catalogue, library.store)
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
        embedding_dimension=library.embedding_dimension,
        counter=library.counter,
    )
    prompt = prepare(ports, "What were capital expenditures in fiscal 2023?", context_length=2048)
    assert prompt.sources and prompt.report.prompt_tokens <= 2048
    assert "412" in prompt.messages[-1]["content"]
    with pytest.raises(AssertionError, match="must not load the model"):
        prepare(ports, "What were capital expenditures in fiscal 2023?")  # no budget given
