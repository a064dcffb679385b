"""The terminal UI, driven with Pilot over the real services."""

from pathlib import Path

from textual.widgets import DataTable, Input, Static

from app.services.ingest import ingest
from app.workspace import Workspace
from tui.main_app import ArchivistApp


async def test_library_shows_documents_and_question_gets_an_answer(
    workspace: Workspace, report_pdf: Path, monkeypatch: object
) -> None:
    ingest(workspace, [report_pdf])
    app = ArchivistApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one("#library", DataTable)
        assert table.row_count == 1
        assert "starter model" in str(app.query_one("#workspace", Static).render())
        app.query_one("#question", Input).value = "What were capital expenditures?"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(app.query_one("#answer", Static).render())
        assert "Sources: [" in shown and "[NORTHWIND_2023_10K p.2]" in shown


async def test_markup_in_document_names_is_shown_literally(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "[bold red]EVIL.txt"
    path.write_text("plain text about nothing")
    ingest(workspace, [path])
    app = ArchivistApp(workspace)
    async with app.run_test(size=(120, 40)):
        table = app.query_one("#library", DataTable)
        assert str(table.get_row_at(0)[0]) == "[bold red]EVIL"
