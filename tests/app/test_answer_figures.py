"""A scripted tiny Qwen3 model writes an answer with one true and one planted figure (and,
in a second script, a wrong ratio on a `Calculation:` line), through real llama.cpp, over a
real ingested PDF: `ask --json` and the TUI flag the planted one and only that one, and the
answer's verdict says so; an answer with nothing to check is never `verified`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from app.commands.ask import unverified_lines
from app.services.answer import Answer
from app.services.ingest import ingest
from app.settings import load_settings
from app.workspace import Workspace
from retrieval.types import Evidence
from tests import tiny_gguf as t
from tests.cli_runner import archivist
from tests.conftest import make_pdf
from tests.tui_helpers import SIZE, ask, rendered
from tui.main_app import ArchivistApp
from tui.turn_view import TurnView

PAGES = [
    "Capital expenditures in fiscal 2023 were 250 million dollars for new warehouses.",
    "Operating margin in fiscal 2023 was 7.3 percent, helped by lower fuel costs.",
]
# "$250M" is on page 1, which the answer cites as [S1]; "9.8%" is on no page. The fast
# prompt ends with "\n\n"; no token repeats, so the bigram script reads straight through.
ANSWER = "$250M[S1], 9.8%"
SCRIPT = t.chain("\n\n", *ANSWER, "<|im_end|>")
QUESTION = "What were capital expenditures in fiscal 2023?"


@pytest.fixture
def scripted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    model = t.write_tiny_qwen3(tmp_path / "tiny-figures.gguf", SCRIPT)
    monkeypatch.setenv("ARCHIVIST_MODEL", str(model))
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "32")
    return model


@pytest.fixture
def library(scripted: Path, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace(load_settings())
    ingest(workspace, [make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", PAGES)])
    yield workspace
    workspace.close()


def test_ask_json_flags_the_planted_figure_only(library: Workspace, archivist_home: Path) -> None:
    library.close()
    result = archivist(
        "ask", QUESTION, "--doc", "NORTHWIND_2023_10K", "--json", home=archivist_home
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answer"].startswith("$250M[NORTHWIND_2023_10K p.1]")  # the script ran
    figures = {f["text"]: f for f in answer["figures"]}
    assert figures["$250M"]["status"] == "cited" and figures["$250M"]["verified"]
    assert figures["9.8%"]["status"] == "not_found" and not figures["9.8%"]["verified"]
    assert answer["verified"] is False
    assert "unverified figure: 9.8% (not found in the sources)" in result.stderr
    assert "$250M" not in result.stderr


async def test_the_tui_highlights_and_lists_the_planted_figure(library: Workspace) -> None:
    app = ArchivistApp(library)
    async with app.run_test(size=SIZE) as pilot:
        view: TurnView = await ask(pilot, app, QUESTION)
        assert view.turn.answer == ANSWER
        answer = view.query_one(".answer", Static).render()
        highlighted = [
            answer.plain[span.start : span.end]  # type: ignore[union-attr]
            for span in answer.spans  # type: ignore[union-attr]
            if "yellow" in str(span.style)
        ]
        assert highlighted == ["9.8%"]  # the true figure is not highlighted
        listed = rendered(view.query_one(".figures", Static))
        assert "unverified figure: 9.8% (not found in the sources)" in listed
        assert "$250M" not in listed
    # Reopened from the history, the flag is still there.
    [turn] = app.state.desk.history.turns()[-1:]
    assert [f.text for f in turn.unverified] == ["9.8%"]


# --- a planted wrong ratio: the calculation line the prompt asks for, audited -------------

RATIO_PAGES = [
    "Net sales in fiscal 2023 were 96 million dollars; average total assets were 32 million."
]
# Each token once, so the bigram script reads straight through (the check reads
# "calculation" whatever its case): 96 / 32 is 3, the model writes 7.
RATIO_ANSWER = "CALculation:96/32=7[S1]"
RATIO_QUESTION = "What was the asset turnover in fiscal 2023?"


@pytest.fixture
def ratio_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    script = t.chain("\n\n", *RATIO_ANSWER, "<|im_end|>")
    model = t.write_tiny_qwen3(tmp_path / "tiny-ratio.gguf", script)
    monkeypatch.setenv("ARCHIVIST_MODEL", str(model))
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "40")
    workspace = Workspace(load_settings())
    ingest(workspace, [make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", RATIO_PAGES)])
    yield workspace
    workspace.close()


def test_ask_json_flags_a_wrong_ratio(ratio_library: Workspace, archivist_home: Path) -> None:
    ratio_library.close()
    result = archivist(
        "ask", RATIO_QUESTION, "--doc", "NORTHWIND_2023_10K", "--json", home=archivist_home
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answer"].startswith("CALculation:96/32=7")  # the script ran
    [calc] = answer["calculations"]
    assert calc["status"] == "miscalculated" and calc["recomputed"] == "3"
    assert [o["found_in"] for o in calc["operands"]] == [["NORTHWIND_2023_10K p.1"]] * 2
    assert answer["verdict"] == "unverified" and answer["verified"] is False
    assert "miscalculated" in result.stderr


async def test_the_tui_shows_the_wrong_ratio(ratio_library: Workspace) -> None:
    app = ArchivistApp(ratio_library)
    async with app.run_test(size=SIZE) as pilot:
        view: TurnView = await ask(pilot, app, RATIO_QUESTION)
        listed = rendered(view.query_one(".figures", Static))
        assert "figures: unverified" in listed
        assert "calculation miscalculated: 96/32=7 (recomputed: 3)" in listed
        # Each page holding an operand is a link to the source viewer, as a citation is.
        figures = view.query_one(".figures", Static).render()
        links = [
            figures.plain[span.start : span.end]  # type: ignore[union-attr]
            for span in figures.spans  # type: ignore[union-attr]
            if f"open_citation({view.index}, 1)" in repr(span.style)
        ]
        assert links == ["[NORTHWIND_2023_10K p.1]"], figures.spans  # type: ignore[union-attr]


def test_the_planted_figure_answer_is_partly_verified(library: Workspace) -> None:
    answer = _answer_of(library, ANSWER)
    assert answer.verdict.value == "partly" and not answer.verified


def test_an_answer_with_nothing_checked_is_never_verified(library: Workspace) -> None:
    for text in ("The net sales are on p.1 and page 2 [S1].", "See Note 12 and Item 7.", ""):
        answer = _answer_of(library, text)
        data = answer.as_dict()
        assert data["verdict"] == "nothing to check" and data["verified"] is False, text


def _answer_of(workspace: Workspace, text: str) -> Answer:
    from app.services.ask import ask as ask_service
    from model_runtime.engine import Mode
    from tests.conftest import answering_with
    from tests.fake_engine import FakeEngine, Reply

    fake = FakeEngine([Reply(text)], context_length=16_384)
    events = list(ask_service(answering_with(workspace, fake), QUESTION, Mode.FAST))
    answer = events[-1]
    assert isinstance(answer, Answer)
    return answer


def test_eval_answers_reports_verdicts_and_calculations(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    (folder / "pdfs").mkdir(parents=True)
    make_pdf(folder / "pdfs" / "NORTHWIND_2023_10K.pdf", RATIO_PAGES)
    question = {
        "financebench_id": "q-turnover",
        "doc_name": "NORTHWIND_2023_10K",
        "question": RATIO_QUESTION,
        "answer": "3.0",
        "evidence": [{"evidence_page_num": 0}],
    }
    questions = folder / "questions.jsonl"
    questions.write_text(json.dumps(question) + "\n")
    model = t.write_tiny_qwen3(
        tmp_path / "tiny-ratio.gguf", t.chain("\n\n", *RATIO_ANSWER, "<|im_end|>")
    )
    env = {"ARCHIVIST_MODEL": str(model), "ARCHIVIST_MAX_ANSWER_TOKENS": "40"}
    result = archivist("eval", "answers", str(questions), "--json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    [row] = data["questions"]
    assert row["verdict"] == "unverified"
    assert row["calculations"] == [
        {"text": "96/32=7", "status": "miscalculated", "recomputed": "3"}
    ]
    assert data["totals"]["verdicts"] == {"unverified": 1}
    assert data["totals"]["calculations"] == {"miscalculated": 1}
    plain = archivist("eval", "answers", str(questions), env=env)
    assert "figures unverified; calculation miscalculated: 96/32=7 (recomputed 3)" in (plain.stdout)


def test_a_figure_repeated_unverified_is_one_warning_line_with_its_count() -> None:
    page = Evidence("d", "NORTHWIND_2023_10K", 0, 0, PAGES[0], number=1)
    answer = Answer(QUESTION, "fast", sources=[page])
    answer.answer = "Margin was 9.8% [S1]. Again, 9.8% [S1]. And 9.8% [S1]. Capex $250M [S1]."
    assert [f.text for f in answer.figures if not f.verified] == ["9.8%"] * 3
    assert unverified_lines(answer) == [
        "unverified figure: 9.8% (not found in the sources) (3 times)"
    ]
