"""SVG snapshots of every screen, on the real stack with one generated report ingested.

A changed layout fails here; look at the report pytest writes, and when the change is
wanted accept it with `.venv/bin/pytest tests/tui/test_tui_snapshots.py --snapshot-update`.
Only screens whose content is deterministic are captured (no model output).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from app.services.ingest import ingest
from app.workspace import Workspace
from retrieval.types import Evidence
from tests.conftest import REPORT_PAGES, make_pdf
from tests.figures_library import acme_library
from tests.tui_helpers import SIZE
from tui.main_app import ArchivistApp
from tui.source_screen import SourceScreen

Compare = Callable[..., bool]


# The library screen shows the file's path: keep it the same from run to run (and these
# tests in one worker, so no two write it at once).
DOCS = Path(tempfile.gettempdir()) / "archivist-snapshot-docs"
pytestmark = pytest.mark.xdist_group("snapshots")


@pytest.fixture
def library(workspace: Workspace) -> Workspace:
    # The models screen shows the thread setting: the product's default, not the tests' one.
    workspace.settings = workspace.settings.model_copy(update={"threads": None})
    DOCS.mkdir(exist_ok=True)
    ingest(workspace, [make_pdf(DOCS / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)])
    return workspace


async def settled(pilot: Pilot[None]) -> None:
    """The screen as it rests: its workers done (under load the models shot once caught
    "Checking models…") and a text field's cursor steady (a blink caught mid-way once
    split the chat field's placeholder)."""
    await pilot.app.workers.wait_for_complete()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("screen", ["library", "chat", "summary", "models"])
def test_screen(snap_compare: Compare, library: Workspace, screen: str) -> None:
    app = ArchivistApp(library, start=screen)
    assert snap_compare(app, run_before=settled, terminal_size=SIZE)


def test_help_screen(snap_compare: Compare, library: Workspace) -> None:
    app = ArchivistApp(library, start="library")
    assert snap_compare(app, run_before=settled, press=["f1"], terminal_size=SIZE)


def test_source_viewer_highlights_the_passage(snap_compare: Compare, library: Workspace) -> None:
    document = library.catalogue.documents()[0]
    page = library.catalogue.page_text(document.id, 1) or ""
    start = page.index("412 million")
    source = Evidence(
        document.id, document.name, 1, 1, page, passage=(1, start, start + 11), number=1
    )

    async def open_source(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.app.push_screen(SourceScreen(source))
        await pilot.pause()

    app = ArchivistApp(library, start="chat")
    assert snap_compare(app, run_before=open_source, terminal_size=SIZE)


def test_figures_screen(snap_compare: Compare, workspace: Workspace, tmp_path: Path) -> None:
    """ACME's key figures across two filings, the capex line plotted, its restated 2022
    value under the cursor with both sources."""
    acme_library(workspace, tmp_path / "docs")

    async def to_capex(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press("down", "down", "right")
        await pilot.pause()

    app = ArchivistApp(workspace, start="figures")
    assert snap_compare(app, run_before=to_capex, terminal_size=SIZE)
