"""The terminal UI, driven with Pilot over the real services: real PDFs, real Qdrant Edge,
real SQLite; the model is a `FakeEngine` held to the engine contract (the real starter
model answers through the UI in tests/tui/test_tui_flows.py and, in a real terminal, in
tests/e2e/test_tui_terminal.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Collapsible, DataTable, Input, OptionList, Static

from app.workspace import Workspace
from model_runtime.engine import Mode
from tests.conftest import answering_with
from tests.fake_engine import FakeEngine, Reply
from tests.tui_helpers import SIZE, ask, rendered, wait_until
from tui.chat_screen import ChatScreen
from tui.library_screen import LibraryScreen
from tui.main_app import ArchivistApp
from tui.source_screen import SourceScreen
from tui.turn_view import TurnView


@pytest.fixture(autouse=True)
def short_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "24")


async def test_ingest_from_the_library_screen(workspace: Workspace, report_pdf: Path) -> None:
    app = ArchivistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, LibraryScreen)  # empty library opens here
        await pilot.press("ctrl+o")
        prompt = app.screen.query_one("#path", Input)
        prompt.value = str(report_pdf.parent) + "/NORTH"
        await pilot.pause(0.2)
        await pilot.press("tab")  # path completion
        assert prompt.value == str(report_pdf)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "ingested" in rendered(app.screen.query_one("#progress")))
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#documents", DataTable)
        assert table.row_count == 1
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[1:] == ["NORTHWIND_2023_10K", "NORTHWIND", "10-K", "FY2023", "4", "4", "ready"]
        assert "[1/1] ingested" in rendered(app.screen.query_one("#progress"))
        # typing filters; Enter puts the document in scope
        await pilot.press("n", "o", "r", "t", "h")
        assert table.row_count == 1
        await pilot.press("enter")
        assert app.state.scope == {workspace.catalogue.documents()[0].id}
        await pilot.press("z")
        assert table.row_count == 0
        await pilot.press("escape")
        assert table.row_count == 1
        await pilot.press("f8")
        await pilot.pause()
        assert table.row_count == 0
        assert workspace.catalogue.documents() == []
        assert workspace.store.count() == 0


@pytest.fixture
def library(northwind: Workspace) -> Workspace:
    return northwind  # the report, ingested once for the run (tests/conftest.py)


async def test_ask_in_both_modes_and_open_a_citation(
    library: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A scripted engine (held to the engine contract): the UI's own logic, exactly. The
    # same flow with the real starter model runs in a real terminal in
    # tests/e2e/test_tui_terminal.py (slow).
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "400")
    library.settings = library.settings.model_copy(update={"max_answer_tokens": 400})
    fast_reply = Reply("Capital expenditures were 412 million [S1].")
    thinking_reply = Reply("Revenue grew 8 percent [S1].", reasoning="the MD&A page says so")
    fake = FakeEngine([fast_reply, thinking_reply], name="fake-qwen3", context_length=16_384)
    app = ArchivistApp(answering_with(library, fake))
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ChatScreen)  # a library with documents opens the chat
        status = app.screen.query_one("#chat-status", Static)
        assert "FAST" in rendered(status)
        fast = await ask(pilot, app, "What were capital expenditures in fiscal 2023?")
        assert fast.turn.mode == "fast"
        assert fast.turn.answer == fast_reply.answer and fast.turn.reasoning == ""
        assert fast.turn.stop_reason == "stop"
        assert fast.turn.context_tokens > 0 and fast.turn.ttft_s is not None
        assert fast.query_one(Collapsible).collapsed  # fast mode: reasoning starts collapsed
        figures = rendered(fast.query_one(".figures", Static))
        assert "fake-qwen3 · fast mode · context" in figures
        assert "tok/s" in figures and "TTFT" in figures and "omitted 0" in figures
        [(_, mode)] = fake.calls
        assert mode is Mode.FAST

        await pilot.press("ctrl+t")
        assert "THINKING" in rendered(status)
        thinking = await ask(pilot, app, "How much did revenue grow?")
        assert thinking.turn.mode == "thinking"
        assert thinking.turn.reasoning == thinking_reply.reasoning
        assert thinking.turn.answer == thinking_reply.answer
        assert "thinking mode" in rendered(thinking.query_one(".figures", Static))
        assert fake.calls[-1][1] is Mode.THINKING

        # the citations of the last answer: open one, page through, come back
        await pilot.press("ctrl+g")
        citations = app.screen.query_one("#citations", OptionList)
        assert citations.has_focus and citations.option_count >= 1
        await pilot.press("enter")
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, SourceScreen)
        source = viewer.source
        title = rendered(viewer.query_one("#page-title", Static))
        assert source.passage is not None  # opens on the cited passage's page
        assert f"NORTHWIND_2023_10K — page {source.passage[0] + 1} of 4" in title
        body = viewer.shown
        [span] = [s for s in body.spans if s.style == "bold black on yellow"]
        cited_page, start, end = source.passage
        page = library.catalogue.page_text(source.document_id, cited_page) or ""
        assert end > start and body.plain[span.start : span.end] == page[start:end]
        assert page[start:end] in rendered(viewer.query_one("#page-text", Static))
        await pilot.press("right" if cited_page < 3 else "left")
        assert viewer.page_index != cited_page
        assert "highlighted" not in rendered(viewer.query_one("#page-title", Static))
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)

    # the conversation persists in the catalogue and reopens with the app
    again = ArchivistApp(library)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        views = list(again.screen.query(TurnView))
        assert [v.turn.question for v in views] == [
            "What were capital expenditures in fiscal 2023?",
            "How much did revenue grow?",
        ]
        assert views[1].turn.answer == thinking.turn.answer
        # a citation link in a restored answer still opens its page
        source = views[1].turn.sources[0]
        await again.screen.run_action(f"open_citation(1, {source.number})")
        await pilot.pause()
        assert isinstance(again.screen, SourceScreen)
        assert again.screen.source == source


async def test_escape_cancels_within_a_token(
    library: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A scripted engine (held to the engine contract) that writes slowly: the key always
    # lands mid-answer, so the test needs no retries and no real model.
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "400")
    library.settings = library.settings.model_copy(update={"max_answer_tokens": 400})
    long, short = Reply("The report describes " * 20), Reply("Capex was 412 million [S2].")
    fake = FakeEngine([long, short], name="fake", context_length=16_384, token_delay_s=0.01)
    app = ArchivistApp(answering_with(library, fake))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        screen.query_one("#question", Input).value = "Describe the report in detail."
        await pilot.press("enter")
        view = screen.query(TurnView).last()
        await wait_until(pilot, lambda: len(view.turn.answer) > 0)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.generating)
        await app.workers.wait_for_complete()
        await pilot.pause()
        turn = view.turn
        assert turn.stop_reason == "cancelled"
        assert 0 < turn.completion_tokens < len(long.answer)
        assert "cancelled" in rendered(view.query_one(".figures", Static))
        # the model is free again: the next question is answered
        after = await ask(pilot, app, "What were capital expenditures?")
        assert after.turn.stop_reason == "stop"
        assert after.turn.answer == "Capex was 412 million [S2]."


async def test_an_answer_that_finishes_before_its_view_is_drawn_is_shown() -> None:
    """On a loaded machine a short answer can finish before its view (or the reasoning
    panel inside it) is composed: it is drawn then, not lost to an error."""
    from textual.app import App

    from app.services.answer import Answer

    class One(App[None]):
        pass

    app = One()
    async with app.run_test(size=SIZE) as pilot:
        view = TurnView(Answer(question="What was capex?", mode="thinking"), 0, streaming=True)
        app.screen.mount(view)  # not awaited: nothing is composed yet
        view.add_reasoning("Capex is on page 4.")
        view.finish(
            Answer(
                question="What was capex?",
                mode="thinking",
                answer="Capex was 412 million.",
                reasoning="Capex is on page 4.",
                model="m",
                stop_reason="stop",
            )
        )
        await pilot.pause()
        assert rendered(view.query_one(".answer", Static)) == "Capex was 412 million."
        assert rendered(view.query_one(".reasoning", Static)) == "Capex is on page 4."
        assert "m · thinking mode" in rendered(view.query_one(".figures", Static))
