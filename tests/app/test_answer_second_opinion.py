"""The second opinion through the real ask path: a scripted tiny Qwen3 writes "$250M" for
capital expenditures over a real ingested PDF whose key figures are in the catalogue (seeded
here as the extractor stores them). When the table says 310 the answer is flagged `differs`
in `ask --json`, in plain `ask` and in the TUI (the table's page a link); when it says 250
it `agrees`; a question about what the table does not hold shows nothing; a computed
metric comes with its calculation."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from app.services import ask as ask_service
from app.services.ingest import ingest
from app.settings import load_settings
from app.workspace import Workspace
from retrieval.key_figures.opinion import Opinion
from retrieval.key_figures.records import KeyFigure
from retrieval.storage.figure_store import FigureStore
from tests import tiny_gguf as t
from tests.cli_runner import archivist
from tests.conftest import make_pdf
from tests.tui_helpers import SIZE, ask, rendered
from tui.main_app import ArchivistApp
from tui.source_screen import SourceScreen
from tui.turn_view import TurnView

DOC = "NORTHWIND_2023_10K"
ANSWER = "$250M[S1]"  # no token repeats: the bigram script reads straight through
CAPEX = "What were Northwind capital expenditures in fiscal 2023?"
MARGIN = "What was the Northwind gross margin in fiscal 2023?"
ELSEWHERE = "What were Northwind research and development costs in fiscal 2023?"


def pages(capex: int) -> list[str]:
    return [
        "Northwind Traders annual report for fiscal 2023, a wholesale distributor of foods.",
        "Consolidated Statements of Income (in millions)\n2023 2022\nNet sales 1,000 900\n"
        "Cost of sales 600 560\nGross profit 400 340",
        f"Consolidated Statements of Cash Flows (in millions)\n2023 2022\n"
        f"Purchases of property and equipment ({capex}) (198)",
    ]


def table(doc_id: str, capex: int) -> list[KeyFigure]:
    """What the extractor reads from `pages(capex)` (pages are zero-based)."""

    def figure(page: int, row: int, label: str, item: str, value: float) -> KeyFigure:
        statement = "cash flow statement" if page == 2 else "income statement"
        return KeyFigure(doc_id, statement, page, row, 0, label, item, "FY2023", "2023-12-31",
                         "2023", value, 1e6, "USD")  # fmt: skip

    return [
        figure(1, 0, "Net sales", "revenue", 1000.0),
        figure(1, 1, "Cost of sales", "cost_of_revenue", 600.0),
        figure(1, 2, "Gross profit", "gross_profit", 400.0),
        figure(2, 0, "Purchases of property and equipment", "capex", -float(capex)),
    ]


@pytest.fixture
def make_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, archivist_home: Path
) -> Iterator[Callable[[int], Workspace]]:
    model = t.write_tiny_qwen3(tmp_path / "tiny.gguf", t.chain("\n\n", *ANSWER, "<|im_end|>"))
    monkeypatch.setenv("ARCHIVIST_MODEL", str(model))
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "24")
    opened: list[Workspace] = []

    def make(capex: int) -> Workspace:
        workspace = Workspace(load_settings())
        opened.append(workspace)
        ingest(workspace, [make_pdf(tmp_path / f"{DOC}.pdf", pages(capex))])
        [document] = workspace.catalogue.documents()
        FigureStore(workspace.catalogue).replace(document.id, table(document.id, capex))
        return workspace

    yield make
    for workspace in opened:
        workspace.close()


def ask_json(home: Path, question: str) -> dict[str, object]:
    result = archivist("ask", question, "--doc", DOC, "--json", home=home)
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    assert str(data["answer"]).startswith("$250M[")  # the script ran
    return data


def test_a_wrong_figure_is_flagged_in_json_and_plain_output(
    make_library: Callable[[int], Workspace], archivist_home: Path
) -> None:
    make_library(310).close()
    data = ask_json(archivist_home, CAPEX)
    [opinion] = data["second_opinion"]  # type: ignore[misc]
    assert opinion["item"] == "capex" and opinion["period"] == "FY2023"
    assert opinion["verdict"] == "differs" and opinion["answer_figure"] == "$250M"
    assert opinion["value"] == -310.0 and opinion["amount"] == -310e6
    assert opinion["table_value"] == "(310) USD millions" and opinion["unit"] == "USD"
    assert opinion["label"] == "Purchases of property and equipment"
    assert (opinion["document"], opinion["page"], opinion["calculation"]) == (DOC, 3, None)
    plain = archivist("ask", CAPEX, "--doc", DOC, home=archivist_home)
    assert plain.returncode == 0, plain.stderr
    after = plain.stdout.split("Second opinion (key figures table):")[1]
    assert "! Capital expenditures" in after
    assert "table (310) USD millions" in after and f"[{DOC} p.3]" in after
    assert "MISMATCH: the answer says $250M" in after
    assert "archivist: second opinion differs: Capital expenditures" in plain.stderr


def test_a_right_figure_agrees(
    make_library: Callable[[int], Workspace], archivist_home: Path
) -> None:
    make_library(250).close()
    [opinion] = ask_json(archivist_home, CAPEX)["second_opinion"]  # type: ignore[misc]
    assert opinion["verdict"] == "agrees" and opinion["answer_figure"] == "$250M"
    plain = archivist("ask", CAPEX, "--doc", DOC, home=archivist_home)
    assert "the answer agrees ($250M)" in plain.stdout and "MISMATCH" not in plain.stdout
    assert "second opinion" not in plain.stderr


def test_what_the_table_does_not_hold_adds_nothing(
    make_library: Callable[[int], Workspace], archivist_home: Path
) -> None:
    make_library(250).close()
    assert ask_json(archivist_home, ELSEWHERE)["second_opinion"] == []
    plain = archivist("ask", ELSEWHERE, "--doc", DOC, home=archivist_home)
    assert plain.returncode == 0, plain.stderr
    assert "Second opinion" not in plain.stdout and "second opinion" not in plain.stderr


def test_a_computed_metric_comes_with_its_calculation(
    make_library: Callable[[int], Workspace], archivist_home: Path
) -> None:
    make_library(250).close()
    [opinion] = ask_json(archivist_home, MARGIN)["second_opinion"]  # type: ignore[misc]
    assert opinion["item"] == "gross_margin" and opinion["table_value"] == "40.0%"
    assert opinion["calculation"] == (
        "Calculation: FY2023 gross profit 400 / FY2023 revenue 1,000 = 40.0%"
    )
    assert opinion["verdict"] == "not_stated"  # "$250M" is no percentage
    assert [(o["item"], o["value"], o["page"]) for o in opinion["operands"]] == [
        ("gross_profit", 400.0, 2), ("revenue", 1000.0, 2)
    ]  # fmt: skip
    assert (opinion["document"], opinion["page"]) == (DOC, 2)
    plain = archivist("ask", MARGIN, "--doc", DOC, home=archivist_home)
    assert "Gross margin" in plain.stdout and "table 40.0%" in plain.stdout
    assert "Calculation: FY2023 gross profit 400 / FY2023 revenue 1,000 = 40.0%" in plain.stdout


async def test_the_tui_flags_the_mismatch_and_links_the_table_page(
    make_library: Callable[[int], Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    library = make_library(310)
    threads: list[str] = []
    computed = ask_service.second_opinion

    def recorded(*args: Any) -> list[Opinion]:
        threads.append(threading.current_thread().name)
        return computed(*args)

    monkeypatch.setattr(ask_service, "second_opinion", recorded)
    app = ArchivistApp(library)
    async with app.run_test(size=SIZE) as pilot:
        view: TurnView = await ask(pilot, app, CAPEX)
        assert view.turn.answer == ANSWER
        # Computed once, after the answer, on the model runner's thread (never the UI's).
        assert len(threads) == 1 and threads[0] != threading.main_thread().name
        figures = view.query_one(".figures", Static)
        listed = rendered(figures)
        assert "second opinion (key figures table):" in listed
        assert "⚠ MISMATCH Capital expenditures" in listed
        assert "table (310) USD millions" in listed and "the answer says $250M" in listed
        shown = figures.render()
        links = [
            shown.plain[span.start : span.end]  # type: ignore[union-attr]
            for span in shown.spans  # type: ignore[union-attr]
            if f"open_figure_page({view.index}, 0)" in repr(span.style)
        ]
        assert links == [f"[{DOC} p.3]"]
        flagged = [
            shown.plain[span.start : span.end]  # type: ignore[union-attr]
            for span in shown.spans  # type: ignore[union-attr]
            if "yellow" in str(span.style)
        ]
        assert any("MISMATCH" in part for part in flagged)
        await app.screen.run_action(f"open_figure_page({view.index}, 0)")
        await pilot.pause()
        assert isinstance(app.screen, SourceScreen)
        assert "Purchases of property and equipment (310)" in app.screen.shown.plain
    # Reopened from the history, the second opinion is still there.
    [turn] = app.state.desk.history.turns()[-1:]
    assert [(o.item, o.verdict, o.stated) for o in turn.second_opinion] == [
        ("capex", "differs", "$250M")
    ]


def test_a_question_naming_no_company_takes_the_documents_the_answer_cites(
    make_library: Callable[[int], Workspace],
) -> None:
    from app.services.answer import Answer
    from model_runtime.engine import Mode
    from tests.conftest import answering_with
    from tests.fake_engine import FakeEngine, Reply

    library = make_library(310)

    def answered(text: str) -> Answer:
        fake = FakeEngine([Reply(text)], context_length=16_384)
        question = "What were capital expenditures in fiscal 2023?"  # no company named
        events = list(ask_service.ask(answering_with(library, fake), question, Mode.FAST))
        assert isinstance(events[-1], Answer)
        return events[-1]

    [opinion] = answered("Capex $310M[S1]").second_opinion
    assert (opinion.item, opinion.verdict, opinion.document) == ("capex", "agrees", DOC)
    assert answered("Capex $310M.").second_opinion == []  # cites nothing


def test_eval_answers_counts_the_second_opinions(
    make_library: Callable[[int], Workspace], archivist_home: Path, tmp_path: Path
) -> None:
    make_library(310).close()
    folder = tmp_path / "set"  # no pdfs/ beside it: the library as it is
    folder.mkdir()
    question = {
        "financebench_id": "q-capex",
        "doc_name": DOC,
        "question": CAPEX,
        "answer": "$310",
        "evidence": [{"evidence_page_num": 2}],
    }
    (folder / "questions.jsonl").write_text(json.dumps(question) + "\n")
    result = archivist("eval", "answers", str(folder / "questions.jsonl"), "--json",
                       home=archivist_home)  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    [row] = data["questions"]
    assert row["second_opinion"] == [
        {"item": "capex", "period": "FY2023", "table_value": "(310) USD millions",
         "answer_figure": "$250M", "verdict": "differs"}
    ]  # fmt: skip
    assert data["totals"]["second_opinion"] == {"differs": 1}
