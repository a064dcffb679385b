"""The desk's one model queue, driven through the real app: a question asked during a
summary waits (and says so) and is answered after it; Esc cancels a summary and the next
one resumes; Ctrl+Q leaves within 2 s mid-summary; Ctrl+N never carries a cancelled
turn; figures are checked per claim off the UI thread; the library list shows another
process's changes. Real PDFs, real Qdrant Edge and SQLite; a slow scripted `FakeEngine`
(held to the engine contract) stands in for the model so every key lands mid-job."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, Static

from app.services import answer as answer_module
from app.services.ingest import ingest
from app.workspace import Workspace
from retrieval.catalogue import Catalogue
from tests.conftest import answering_with, ingested_home, library_copy
from tests.fake_engine import FakeEngine, Reply
from tests.tui_helpers import SIZE, rendered, wait_until
from tui.chat_screen import ChatScreen
from tui.main_app import ArchivistApp
from tui.summary_screen import SummaryScreen
from tui.turn_view import TurnView

# Six dense pages: more than one summary step can read at once, so the summary is a
# map-reduce of several steps (each checkpointed).
PAGES = [
    " ".join(
        f"In region {r} segment {n} revenue was {100 + n * r} million dollars." for r in range(16)
    )
    for n in range(1, 7)
]
STEP_REPLY = Reply("- Revenue was 101 million dollars (p. 1).")


@pytest.fixture(autouse=True)
def short_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "24")


@pytest.fixture(scope="module")
def long_report_home(tmp_path_factory: pytest.TempPathFactory, onnx_cache: Path) -> Path:
    return ingested_home(tmp_path_factory, onnx_cache, "ACME_2023_10K", PAGES)


@pytest.fixture
def long_report(long_report_home: Path, archivist_home: Path) -> Iterator[Workspace]:
    """The six pages, ingested once for this module; each test works on its own copy."""
    workspace = library_copy(long_report_home, archivist_home)
    yield workspace
    workspace.close()


def slow_engine(delay: float = 0.02) -> FakeEngine:
    return FakeEngine([STEP_REPLY], name="fake", context_length=1_500, token_delay_s=delay)


def steps_saved(workspace: Workspace) -> int:
    from sqlalchemy import text

    with workspace.catalogue.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM summary_steps")).scalar() or 0)


async def start_summary(pilot: object, app: ArchivistApp) -> SummaryScreen:
    await app.switch_mode("summary")
    screen = app.screen
    assert isinstance(screen, SummaryScreen)
    [document] = app.state.desk.documents()
    screen.query_one("#summary-document", Select).value = document.id
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    return screen


async def test_a_question_during_a_summary_waits_and_is_answered_after_it(
    long_report: Workspace,
) -> None:
    fake = slow_engine()
    app = ArchivistApp(answering_with(long_report, fake), start="summary")
    async with app.run_test(size=SIZE) as pilot:
        summary = await start_summary(pilot, app)
        status = summary.query_one("#summary-status", Static)
        await wait_until(pilot, lambda: "step 1 of" in rendered(status), timeout=120)
        await pilot.press("f3")
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        chat.query_one("#question", Input).value = "What was revenue?"
        await pilot.press("enter")
        view = chat.query(TurnView).last()
        await wait_until(pilot, lambda: "waiting for the summary (step" in view.waiting)
        assert view.waiting.endswith(" - Esc to cancel it")
        shown = rendered(view.query_one(".answer", Static))
        assert shown.startswith("waiting for the summary (step ")
        assert "waiting for the summary" in rendered(chat.query_one("#chat-status", Static))
        summary_calls = len(fake.calls)
        await wait_until(pilot, lambda: not chat.generating, timeout=300)
        assert view.turn.stop_reason in ("stop", "length")
        assert view.turn.answer
        # the summary finished first, uncut
        assert (long_report.home / "summaries" / "ACME_2023_10K.summary.md").is_file()
        # the question reached the model after every summary step
        question_calls = [i for i, (m, _) in enumerate(fake.calls) if "What was revenue" in str(m)]
        assert question_calls == [len(fake.calls) - 1]
        assert len(fake.calls) > summary_calls


async def test_escape_cancels_a_summary_and_the_next_one_resumes(long_report: Workspace) -> None:
    fake = slow_engine()
    app = ArchivistApp(answering_with(long_report, fake), start="summary")
    async with app.run_test(size=SIZE) as pilot:
        summary = await start_summary(pilot, app)
        status = summary.query_one("#summary-status", Static)
        await wait_until(pilot, lambda: "step 2 of" in rendered(status), timeout=120)
        calls_before = len(fake.calls)
        pressed = time.monotonic()
        await pilot.press("escape")
        await wait_until(pilot, lambda: "cancelled" in rendered(status), timeout=10)
        assert time.monotonic() - pressed < 2.0
        assert len(fake.calls) <= calls_before + 1  # no further step started
        saved = steps_saved(long_report)
        assert 2 <= saved < len(fake.calls)  # the cut step is not a checkpoint
        first_run = len(fake.calls)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: summary._markdown, timeout=300)
        # only the steps not yet written were generated: resumed, not redone
        assert len(fake.calls) - first_run == steps_saved(long_report) - saved
        assert "done" in rendered(status)


async def test_ctrl_q_during_a_summary_leaves_within_two_seconds_and_it_resumes(
    long_report: Workspace,
) -> None:
    fake = slow_engine()
    app = ArchivistApp(answering_with(long_report, fake), start="summary")
    async with app.run_test(size=SIZE) as pilot:
        summary = await start_summary(pilot, app)
        status = summary.query_one("#summary-status", Static)
        await wait_until(pilot, lambda: "step 1 of" in rendered(status), timeout=120)
        pressed = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - pressed < 2.0
    assert not app.state.desk.runner.alive  # the summary's step stopped within a token
    saved = steps_saved(long_report)
    assert saved >= 1
    # The next desk resumes the summary from the steps written.
    again = FakeEngine([STEP_REPLY], name="fake", context_length=1_500)
    app = ArchivistApp(answering_with(long_report, again), start="summary")
    async with app.run_test(size=SIZE) as pilot:
        summary = await start_summary(pilot, app)
        await wait_until(pilot, lambda: summary._markdown, timeout=300)
    assert steps_saved(long_report) == saved + len(again.calls)  # resumed, not redone


async def test_ctrl_n_never_carries_a_cancelled_turn(long_report: Workspace) -> None:
    slow = Reply("Revenue was 101 million [S1]. " * 10)
    fake = FakeEngine([slow], name="fake", context_length=16_384, token_delay_s=0.02)
    long_report.settings = long_report.settings.model_copy(update={"max_answer_tokens": 400})
    app = ArchivistApp(answering_with(long_report, fake), start="chat")
    async with app.run_test(size=SIZE) as pilot:
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        chat.query_one("#question", Input).value = "What was revenue?"
        await pilot.press("enter")
        view = chat.query(TurnView).last()
        await wait_until(pilot, lambda: len(view.turn.answer) > 3)
        await pilot.press("ctrl+n")
        runner = app.state.desk.runner
        await wait_until(pilot, lambda: runner.running is None, timeout=30)
        await pilot.pause(0.3)  # any late message of the cancelled answer has arrived
        assert list(chat.query(TurnView)) == []
        assert app.state.desk.history.turns() == []
        after = FakeEngine([Reply("Capex was 412 million [S1].")], context_length=16_384)
        app.state.desk.workspace.__dict__["engine"] = after
        chat.query_one("#question", Input).value = "What was capex?"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not chat.generating, timeout=120)
        assert [t.question for t in app.state.desk.history.turns()] == ["What was capex?"]
        assert [v.turn.question for v in chat.query(TurnView)] == ["What was capex?"]


async def test_figures_are_checked_per_claim_off_the_ui_thread(
    long_report: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    real_check = answer_module.audit_answer

    def counting(text: str, sources: list[object]) -> object:
        calls.append((threading.current_thread().name, text))
        return real_check(text, sources)  # type: ignore[arg-type]

    monkeypatch.setattr(answer_module, "audit_answer", counting)
    reply = "Revenue was 101 million [S1]. It was 102 million [S2]. Costs were 9 million [S1]."
    fake = FakeEngine([Reply(reply)], name="fake", context_length=16_384, token_delay_s=0.005)
    long_report.settings = long_report.settings.model_copy(update={"max_answer_tokens": 400})
    app = ArchivistApp(answering_with(long_report, fake), start="chat")
    async with app.run_test(size=SIZE) as pilot:
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        chat.query_one("#question", Input).value = "What was revenue?"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not chat.generating, timeout=120)
        view = chat.query(TurnView).last()
        assert view.turn.answer == reply
        rendered(view.query_one(".figures", Static))
    ui_thread = threading.main_thread().name
    assert calls, "the figures were never checked"
    assert all(thread != ui_thread for thread, _ in calls), calls
    # at most once per closed claim while streaming, then once for the whole answer
    assert len(calls) <= 3 + 1, [text for _, text in calls]
    assert calls[-1][1] == reply


async def test_the_library_list_shows_what_another_process_wrote(
    workspace: Workspace, report_pdf: Path
) -> None:
    ingest(workspace, [report_pdf])
    app = ArchivistApp(workspace, start="library")
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#documents", DataTable)
        assert table.row_count == 1
        other = Catalogue(workspace.catalogue_url)  # another process's connection
        other.record_rejected("/elsewhere/BROKEN.pdf", "0" * 64, "not a PDF")
        other.close()
        await wait_until(pilot, lambda: table.row_count == 2, timeout=10)
        assert "BROKEN" in [str(table.get_row_at(i)[1]) for i in range(2)]
