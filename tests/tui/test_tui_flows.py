"""More TUI flows on the real stack: switching and importing models, summaries, the
command palette and help, and text from documents and models shown literally."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, Static

from app.services.answer import Answer
from app.services.ask import prepare
from app.services.ingest import ingest
from app.workspace import Workspace
from model_runtime.registry import starter_model
from tests.tui_helpers import SIZE, ask, rendered, wait_until
from tui.chat_screen import ChatScreen
from tui.desk import Desk
from tui.figures_screen import FiguresScreen
from tui.help_screen import KEYS, HelpScreen
from tui.library_screen import LibraryScreen
from tui.main_app import PALETTE, ArchivistApp
from tui.models_screen import ModelsScreen
from tui.source_screen import SourceScreen
from tui.summary_screen import SummaryScreen
from tui.turn_view import TurnView


@pytest.fixture(autouse=True)
def short_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "24")


@pytest.fixture
def library(northwind: Workspace) -> Workspace:
    return northwind  # the report, ingested once for the run (tests/conftest.py)


async def test_import_and_switch_model_then_answer_with_it(
    library: Workspace, tmp_path: Path, tiny_models: dict[str, Path]
) -> None:
    starter = starter_model()
    assert starter is not None
    # A tiny real Qwen3 GGUF: imported, hashed and answering in a blink (the starter's copy
    # took seconds to hash and to read the document whole).
    copy = shutil.copyfile(tiny_models["qwen3"], tmp_path / "second-model.gguf")
    not_a_model = tmp_path / "notes.gguf"
    not_a_model.write_text("not a model")
    app = ArchivistApp(library, start="models")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ModelsScreen)
        table = screen.query_one("#models", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1)
        hardware = rendered(screen.query_one("#hardware", Static))
        assert "llama.cpp build: CPU" in hardware or "llama.cpp build: CUDA" in hardware
        assert "context length: 4096 tokens" in hardware
        assert [str(c) for c in table.get_row_at(0)][1:] == [
            "smollm2-135m-starter",
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            f"{starter.path.stat().st_size / 1e6:.1f}",
            "verified",  # against the starter's known SHA-256
        ]
        # a file that is not GGUF is refused with a notification, nothing crashes
        for path in (not_a_model, copy):
            await pilot.press("ctrl+o")
            app.screen.query_one("#path", Input).value = str(path)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert any("not a GGUF model file" in str(n.message) for n in app._notifications)
        await wait_until(pilot, lambda: table.row_count == 2)
        row = [str(c) for c in table.get_row_at(1)]
        assert row[1:] == ["second-model", "second-model.gguf", row[3], "verified"]
        assert str(table.get_row_at(0)[0]) == "●"  # the starter is still active
        table.move_cursor(row=1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: str(table.get_row_at(1)[0]) == "●")
        await pilot.press("f3")
        assert isinstance(app.screen, ChatScreen)
        assert "second-model" in rendered(app.screen.query_one("#chat-status", Static))
        view = await ask(pilot, app, "What were capital expenditures?")
        assert view.turn.model == "second-model"
        assert "second-model · fast mode" in rendered(view.query_one(".figures", Static))


@pytest.mark.slow  # the starter model over many summary steps
async def test_summary_streams_and_saves_markdown(workspace: Workspace, tmp_path: Path) -> None:
    memo = tmp_path / "BRIEF_2023.txt"  # one short page keeps four generations quick
    memo.write_text("Capital expenditures in fiscal 2023 were 412 million dollars.")
    ingest(workspace, [memo])
    app = ArchivistApp(workspace, start="library")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")  # the library's highlighted document is preselected
        screen = app.screen
        assert isinstance(screen, SummaryScreen)
        select = screen.query_one("#summary-document", Select)
        assert select.value == workspace.catalogue.documents()[0].id
        shown_status: list[str] = []  # every status line, however fast the steps go
        show_status = screen._show_status

        def recording(extra: str = "") -> None:
            shown_status.append(extra)
            show_status(extra)

        screen._show_status = recording  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen._markdown, 300)
        # One generation writes every section (the document is read once).
        assert [x for x in shown_status if x.startswith("step")] == ["step 1 of 1"]
        streamed = screen._streamed.plain  # what came in section by section
        titles = [line for line in streamed.splitlines() if line.startswith("## ")]
        assert titles == ["## Overview", "## Key figures", "## Risks", "## Outlook"]
        shown = rendered(screen.query_one("#summary-text", Static))
        assert shown.startswith("# BRIEF_2023")
        assert "## Overview" in shown and "## Outlook" in shown
        assert "done" in rendered(screen.query_one("#summary-status", Static))
        target = tmp_path / "out" / "brief.md"
        await pilot.press("ctrl+e")
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert target.read_text() == screen._markdown
        assert (workspace.home / "summaries" / "BRIEF_2023.summary.md").is_file()


async def test_every_action_is_in_the_palette_and_every_key_in_help(
    workspace: Workspace,
) -> None:
    palette_actions = {action.split(".", 1)[1] for _, _, _, action in PALETTE}
    help_keys = {key for _, rows in KEYS for key, _ in rows}
    screens = (LibraryScreen, ChatScreen, SummaryScreen, ModelsScreen, FiguresScreen, SourceScreen)
    for screen in screens:
        for binding in screen.BINDINGS:
            assert not isinstance(binding, tuple)
            if binding.show and screen is not SourceScreen:
                assert binding.action in palette_actions, binding.action
            first = binding.key.split(",")[0]
            label = (
                "Esc" if first == "escape" else "+".join(p.capitalize() for p in first.split("+"))
            )
            assert any(label in keys.split(" / ") for keys in help_keys), label
    app = ArchivistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Models")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelsScreen))


async def test_markup_and_escapes_from_documents_and_models_are_shown_literally(
    workspace: Workspace, tmp_path: Path
) -> None:
    hostile = "[bold red]ALERT[/bold red] capital expenditures \x1b[2J were 9 million"
    path = tmp_path / "[blink]EVIL.txt"
    path.write_text(hostile)
    ingest(workspace, [path])
    [source] = prepare(workspace, "capital expenditures").sources
    Desk(workspace).history.add(
        Answer(
            question="[i]what?[/i]",
            mode="fast",
            answer="Model says [bold]\x1b[31mred\x1b[0m [S1].",
            sources=[source],
            model="m",
            stop_reason="stop",
        )
    )
    app = ArchivistApp(workspace, start="library")
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#documents", DataTable)
        assert str(table.get_row_at(0)[1]) == "[blink]EVIL"
        await pilot.press("f3")
        view = app.screen.query_one(TurnView)
        assert rendered(view.query_one(".question", Static)) == "› [i]what?[/i]"
        answer = rendered(view.query_one(".answer", Static))
        assert answer == "Model says [bold]\\x1b[31mred\\x1b[0m [[blink]EVIL p.1]."
        await app.screen.run_action("open_citation(0, 1)")
        await pilot.pause()
        page = rendered(app.screen.query_one("#page-text", Static))
        assert page == "[bold red]ALERT[/bold red] capital expenditures \\x1b[2J were 9 million"
        screenshot = app.export_screenshot()
        assert "\x1b" not in screenshot and "[bold red]ALERT" in screenshot.replace("&#160;", " ")
