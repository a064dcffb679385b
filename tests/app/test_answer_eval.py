"""`archivist eval answers` on generated filings: recall, generation, resume, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.services.answer_checks import (
    answer_figures,
    answer_is_correct,
    gold_figure,
    is_refusal,
)
from tests.cli_runner import CliResult, archivist
from tests.conftest import REPORT_PAGES, make_pdf
from tests.tiny_gguf import chain, write_tiny_qwen3

QUESTIONS = [
    {
        "financebench_id": "q-capex",
        "doc_name": "NORTHWIND_2023_10K",
        "question": "What were Northwind's capital expenditures in fiscal 2023?",
        "answer": "$412 million",
        "evidence": [{"evidence_page_num": 1}],
    },
    {
        "financebench_id": "q-revenue",
        "doc_name": "NORTHWIND_2023_10K",
        "question": "What was Northwind's revenue in 2023?",
        "answer": "$5.2 billion",
        "evidence": [{"evidence_page_num": 3}],
    },
    {
        "financebench_id": "q-risks",
        "doc_name": "NORTHWIND_2023_10K",
        "question": "What do Northwind's results depend on?",
        "answer": "Fuel prices, labour costs and the weather.",
        "evidence": [{"evidence_page_num": 2}],
    },
]


@pytest.fixture
def filings(tmp_path: Path) -> Path:
    """Questions in FinanceBench format beside a pdfs/ folder of generated filings."""
    folder = tmp_path / "set"
    (folder / "pdfs").mkdir(parents=True)
    make_pdf(folder / "pdfs" / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)
    path = folder / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    return path


def run_eval(*args: str, **env: str) -> CliResult:
    """`archivist eval answers ARGS` in-process (the same `main()`, exit codes and stderr)."""
    return archivist("eval", "answers", *args, env=env)


def report(result: CliResult) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_no_generate_reports_context_recall_and_tokens(filings: Path) -> None:
    data = report(run_eval(str(filings), "--no-generate", "--json"))
    totals = data["totals"]
    assert totals["questions"] == 3 and totals["context_recall"] == 1.0  # the filing fits whole
    assert "correct" not in totals
    for q in data["questions"]:
        assert q["context_recall"] and q["prompt_tokens"] > 0 and q["sources"] == 4
        assert q["answer"] is None and q["context_length"] == 4096
    small = report(run_eval(str(filings), "--no-generate", "--budget", "768", "--json"))
    rows = small["questions"]
    assert all(q["context_length"] == 768 and q["prompt_tokens"] <= 768 for q in rows)
    assert all(q["mode_used"] == "evidence" for q in rows)
    assert small["totals"]["sources_mean"] < 4


def test_generation_scores_numbers_citations_and_figures(filings: Path, tmp_path: Path) -> None:
    # A tiny Qwen3 that always answers "5.2bn [S4]": right for revenue, wrong for capex.
    model = write_tiny_qwen3(
        tmp_path / "answers.gguf",
        chain("\n\n", "5", ".", "2", "b", "n", " ", "[", "S", "4", "]", "<|im_end|>"),
    )
    data = report(run_eval(str(filings), "--json", ARCHIVIST_MODEL=str(model)))
    by_id = {q["id"]: q for q in data["questions"]}
    revenue, capex, risks = by_id["q-revenue"], by_id["q-capex"], by_id["q-risks"]
    assert revenue["answer"] == "5.2bn [NORTHWIND_2023_10K p.4]"
    assert (revenue["correct"], capex["correct"], risks["correct"]) == (True, False, None)
    assert revenue["citation_precision"] == 1.0  # the gold page
    assert capex["citation_precision"] == 1.0  # not gold, but it holds the answer's figure
    assert revenue["unverified_figures"] == [] and revenue["refused"] is False
    assert revenue["ttft_s"] > 0 and revenue["cited"] == 1
    totals = data["totals"]
    assert totals["numeric_questions"] == 2 and totals["correct"] == 0.5
    assert totals["refusals"] == 0 and totals["ttft_s_mean"] > 0


def test_a_stopped_run_goes_on_where_it_stopped(filings: Path) -> None:
    first = report(run_eval(str(filings), "--no-generate", "--limit", "1", "--json"))
    assert [q["id"] for q in first["questions"]] == ["q-capex"]
    results = Path(first["results_file"])
    with results.open("a") as handle:  # what a kill in the middle of a write leaves
        handle.write('{"id": "q-revenue", "document": "NORTH')
    again = run_eval(str(filings), "--no-generate", "--json")
    data = report(again)
    assert data["resumed"] == 1 and data["results_file"] == str(results)
    assert [q["id"] for q in data["questions"]] == ["q-capex", "q-revenue", "q-risks"]
    assert data["questions"][0] == first["questions"][0]  # taken over, not recomputed
    fresh = report(run_eval(str(filings), "--no-generate", "--json", "--fresh"))
    assert fresh["resumed"] == 0 and fresh["totals"]["questions"] == 3


def test_bad_inputs_are_one_line_with_exit_3(filings: Path, tmp_path: Path) -> None:
    not_jsonl = tmp_path / "questions.csv"
    not_jsonl.write_text("id,question\n1,What was capex?\n")
    result = run_eval(str(not_jsonl), "--no-generate", "--docs", str(filings.parent / "pdfs"))
    assert result.returncode == 3
    [line] = result.stderr.strip().splitlines()
    assert "questions.csv:1: not a FinanceBench question" in line
    ghost = tmp_path / "ghost.jsonl"
    ghost.write_text(json.dumps({**QUESTIONS[0], "doc_name": "GHOST_2020_10K"}) + "\n")
    result = run_eval(str(ghost), "--no-generate", "--docs", str(filings.parent / "pdfs"))
    assert result.returncode == 3
    [line] = result.stderr.strip().splitlines()
    assert "not in the library" in line and "GHOST_2020_10K" in line


@pytest.mark.parametrize(
    ("gold", "answer", "correct"),
    [
        ("$1577.00", "Capex was $1,577 million [S1].", True),
        ("$1577.00", "About $1.58 billion.", True),
        ("$1577.00", "About $1.6 billion.", True),
        ("$1577.00", "About $2 billion.", False),  # too coarse to count
        ("$1577.00", "It was $1,677 million.", False),
        ("10.3%", "The margin was 10.3 percent.", True),
        ("10.3%", "The margin was 10.4%.", False),
        ("0.66", "The quick ratio is 0.66.", True),
        ("$400,000,000 increase.", "It rose by $400 million.", True),
    ],
)
def test_numeric_gold_answers(gold: str, answer: str, correct: bool) -> None:
    figure = gold_figure(gold)
    assert figure is not None
    assert answer_is_correct(figure, answer) is correct


def test_gold_answers_that_are_not_numbers() -> None:
    assert gold_figure("Yes, the margins have been consistent at 36.8% since 2021.") is None
    assert gold_figure("Developed Rest of the World") is None
    assert [f.text for f in answer_figures("NORTHWIND_2023_10K p.4 says 5.2bn [S4]")] == ["5.2bn"]
    assert is_refusal("The sources do not contain the capex figure.")
    assert not is_refusal("Capex was $412 million [S2].")


def test_figure_recall_needs_the_snippets_figures_not_just_the_page() -> None:
    from app.services.answer_eval import figures_recall
    from retrieval.evaluation import Question
    from retrieval.types import Evidence

    question = Question("q", "What was capex in 2023?", "ACME", frozenset({1}))
    snippet = [(1, "Capital expenditures (in millions) 2023 2022\nTools 412 380\nParts 118 97")]
    page = "Capital expenditures (in millions) 2023 2022\nTools 412 380\nParts 118 97"
    whole = [Evidence("id", "ACME", 1, 1, page)]
    cut = [Evidence("id", "ACME", 1, 1, "Capital expenditures (in millions) 2023 2022 …")]
    assert figures_recall(question, snippet, whole)
    assert not figures_recall(question, snippet, cut)  # the page is in, its rows are not
    prose = [(1, "Capital expenditures rose on new warehouses.")]  # no figure: the page counts
    assert figures_recall(question, prose, cut)
    assert not figures_recall(question, prose, [Evidence("id", "ACME", 2, 2, page)])
