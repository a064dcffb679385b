"""Evidence units, evaluation scoring and the paper baseline's character chunks."""

import json
from pathlib import Path

import pytest

from retrieval.baseline import char_chunks
from retrieval.catalogue import StoredChunk
from retrieval.errors import RetrievalError
from retrieval.evaluation import Question, evaluate, load_questions
from retrieval.evidence import RankedChunk, build_units
from tests.conftest import FINANCEBENCH


def chunk(doc: str, first: int, last: int | None = None, n: int = 0) -> StoredChunk:
    last = first if last is None else last
    return StoredChunk(f"{doc}-{first}-{n}", f"id-{doc}", doc, first, last, 0, 10, "text")


def test_units_merge_neighbours_and_rank_by_summed_score() -> None:
    ranked = [
        RankedChunk(chunk("A", 10), 0.5),
        RankedChunk(chunk("B", 3), 0.45),
        RankedChunk(chunk("A", 11, n=1), 0.3),  # neighbour of A p.10: same unit
        RankedChunk(chunk("A", 10, n=2), 0.2),  # same page again: adds weight, no duplicate
        RankedChunk(chunk("A", 12, n=3), 0.1),  # would make a 3-page span: its own unit
    ]
    units = build_units(ranked, k=5, max_span=2)
    assert [(u.document_name, list(u.pages)) for u in units] == [
        ("A", [10, 11]),
        ("B", [3]),
        ("A", [12]),
    ]
    assert units[0].score == pytest.approx(1.0)
    assert len(units[0].chunk_ids) == 3
    best_only = build_units(ranked, k=1, max_span=1, aggregate="max")
    assert [list(u.pages) for u in best_only] == [[10]]


def test_char_chunks_know_the_pages_they_touch() -> None:
    pages = {0: "a" * 1500, 1: "b" * 100, 2: "c" * 2000}
    chunks = char_chunks(pages, size=1024, overlap=30)
    assert chunks[0][1:] == (0, 0)
    assert chunks[1][1:] == (0, 2)  # 994..2018 spans page 0, all of page 1 and into page 2
    assert all(len(text) <= 1024 for text, _, _ in chunks)
    joined = "\n".join(pages.values())
    assert chunks[1][0] == joined[994 : 994 + 1024]


def test_hit_at_k_and_mrr() -> None:
    questions = [
        Question("q1", "?", "A", frozenset({4})),
        Question("q2", "?", "A", frozenset({7, 8})),
        Question("q3", "?", "B", frozenset({1})),
    ]
    rankings = {
        "q1": [("A", [4])],
        "q2": [("A", [1]), ("B", [8]), ("A", [8, 9])],  # B p.8 is the wrong document
        "q3": [("A", [1])],
    }
    summary = evaluate("x", "document", questions, lambda q: rankings[q.id], [1, 5])
    assert summary.hit_at == {1: pytest.approx(1 / 3), 5: pytest.approx(2 / 3)}
    assert summary.mrr == pytest.approx((1 + 1 / 3) / 3)
    assert [m.id for m in summary.misses(5)] == ["q3"]


def test_load_questions_reads_zero_based_pages(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    row = {
        "financebench_id": "x1",
        "question": "Capex?",
        "doc_name": "A_2020_10K",
        "evidence": [{"doc_name": "A_2020_10K", "evidence_page_num": 0}],
    }
    path.write_text(json.dumps(row) + "\n\n")
    [question] = load_questions(path)
    assert question.gold_pages == frozenset({0})
    path.write_text(json.dumps(row) + "\n{not json\n")
    with pytest.raises(RetrievalError, match=r"q.jsonl:2"):
        load_questions(path)


def test_load_the_financebench_dev_questions() -> None:
    path = FINANCEBENCH / "questions.jsonl"
    if not path.is_file():
        pytest.skip(f"FinanceBench sample not found at {FINANCEBENCH}")
    questions = load_questions(path)
    assert len(questions) == 58 and all(q.gold_pages for q in questions)
