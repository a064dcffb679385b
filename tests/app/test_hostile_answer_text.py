"""Model and document text that tries to pass for something it is not (issue 24 items 9, 12,
13), through real llama.cpp with a scripted tiny Qwen3 over a real ingested file.

The model cites [S1] properly, then types `XY_7<TAB>p.9`, a look-alike of a rendered
citation that names no source it was given, then ESC c (a full terminal reset). The CLI,
`--json` and the TUI must mark the look-alike and never show it like the real citation; the
plain answer must show ESC as a visible escape. A cover page and a page with a bidi override
and zero-width characters must reach the TUI's Library and source viewer escaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from app.services.answer import Answer
from app.services.ask import prepare
from app.services.ingest import ingest
from app.settings import load_settings
from app.workspace import Workspace
from tests import tiny_gguf as t
from tests.cli_runner import archivist
from tests.conftest import make_pdf
from tests.tui_helpers import SIZE, ask, rendered
from tui.desk import Desk
from tui.main_app import ArchivistApp
from tui.turn_view import TurnView

PAGES = ["Capital expenditures in fiscal 2023 were 250 million dollars for new warehouses."]
# Every character once, so the bigram script reads straight through (see tests/tiny_gguf.py).
ANSWER = "$250M[S1]XY_7\tp.9\x1bc"
SCRIPT = t.chain("\n\n", *ANSWER, "<|im_end|>")
QUESTION = "What were capital expenditures in fiscal 2023?"
REAL = "[NORTHWIND_2023_10K p.1]"


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    model = t.write_tiny_qwen3(tmp_path / "tiny-lookalike.gguf", SCRIPT)
    monkeypatch.setenv("ARCHIVIST_MODEL", str(model))
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "32")
    workspace = Workspace(load_settings())
    ingest(workspace, [make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", PAGES)])
    yield workspace
    workspace.close()


def test_cli_marks_the_lookalike_and_escapes_the_terminal_reset(
    library: Workspace, archivist_home: Path
) -> None:
    library.close()
    plain = archivist("ask", QUESTION, "--doc", "NORTHWIND_2023_10K", home=archivist_home)
    assert plain.returncode == 0, plain.stderr
    first = plain.stdout.splitlines()[0]
    assert first == f"$250M{REAL}(not a source: XY_7\tp.9)\\x1bc"
    assert "\x1b" not in plain.stdout + plain.stderr
    assert "looks like a citation but is none: XY_7\\x09p.9" in plain.stderr

    result = archivist(
        "ask", QUESTION, "--doc", "NORTHWIND_2023_10K", "--json", home=archivist_home
    )
    data = json.loads(result.stdout)
    assert data["answer"].startswith(f"$250M{REAL}(not a source: XY_7\tp.9)")
    assert data["lookalike_citations"] == ["XY_7\tp.9"]
    assert data["grounded"] and "looks like a citation" in data["warning"]


async def test_tui_marks_the_lookalike_and_escapes_the_reset(library: Workspace) -> None:
    app = ArchivistApp(library)
    async with app.run_test(size=SIZE) as pilot:
        view: TurnView = await ask(pilot, app, QUESTION)
        assert view.turn.answer == ANSWER
        answer = view.query_one(".answer", Static).render()
        assert answer.plain == f"$250M{REAL}(not a source: XY_7\tp.9)\\x1bc"  # type: ignore[union-attr]
        marked = [
            answer.plain[span.start : span.end]  # type: ignore[union-attr]
            for span in answer.spans  # type: ignore[union-attr]
            if "italic" in repr(span.style)  # LOOKALIKE: italic black on red
        ]
        assert marked == ["(not a source: XY_7\tp.9)"], answer.spans  # type: ignore[union-attr]


async def test_tui_escapes_bidi_overrides_and_zero_width_characters(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Issue 24 item 12: U+202E, U+2066-2069, zero-width characters and BOMs reached the
    terminal raw in the Library's Company column and the source viewer."""
    cover = (
        "ACME \u202eTRADERS\u202c\u200b\n(Exact name of registrant as specified in its charter)\n"
        "Revenue was \u2066412\u2069 million\ufeff dollars."
    )
    path = tmp_path / "ACME_2023_10K.txt"
    path.write_text(cover, encoding="utf-8")
    ingest(workspace, [path])
    [source] = prepare(workspace, "revenue").sources
    Desk(workspace).history.add(
        Answer("Revenue?", "fast", "412 [S1].", sources=[source], model="m", stop_reason="stop")
    )
    app = ArchivistApp(workspace, start="library")
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#documents", DataTable)
        company = str(table.get_row_at(0)[2])
        assert company.lower().startswith("acme \\u202etraders"), company  # shown escaped
        assert not any(raw in company for raw in "\u202e\u202c\u200b"), company
        await pilot.press("f3")
        await app.screen.run_action("open_citation(0, 1)")
        await pilot.pause()
        page = rendered(app.screen.query_one("#page-text", Static))
        for raw in ("\u202e", "\u202c", "\u200b", "\u2066", "\u2069", "\ufeff"):
            assert raw not in page and raw not in app.export_screenshot()
        assert "\\u2066412\\u2069 million\\ufeff dollars" in page
