"""Ingest real PDFs and ask with the real starter model through llama.cpp."""

from pathlib import Path

import pytest

from app.services.answer import Answer
from app.services.ask import Retrieved, ask
from app.services.ingest import ingest
from app.workspace import Workspace
from model_runtime.engine import Mode
from model_runtime.events import AnswerDelta, Usage
from tests.conftest import financebench_pdf


@pytest.fixture
def short_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "48")


@pytest.mark.slow  # a real filing, ingested and asked
def test_ingest_then_ask_streams_a_cited_answer(
    short_answers: None, archivist_home: Path, report_pdf: Path
) -> None:
    from app.settings import load_settings

    workspace = Workspace(load_settings())
    real = financebench_pdf("ULTABEAUTY_2023Q4_EARNINGS")
    report = ingest(workspace, [report_pdf, real])
    assert [item["name"] for item in report.ingested] == [
        "NORTHWIND_2023_10K",
        "ULTABEAUTY_2023Q4_EARNINGS",
    ]
    assert report.rejected == []
    assert workspace.store.count() == sum(d.chunk_count for d in workspace.catalogue.documents())

    question = "What were Northwind's capital expenditures in fiscal 2023?"
    events = list(ask(workspace, question, seed=7))
    assert isinstance(events[0], Retrieved)
    report = events[0].report
    # The question names the company and year: only its 10-K is read, whole, page by page.
    assert report.mode_used == "whole" and "company NORTHWIND" in report.scope
    assert [label for label, _ in report.included] == [
        f"NORTHWIND_2023_10K p.{n}" for n in range(1, 5)
    ]
    assert [o.reason for o in report.omitted] == ["filter"]  # the other document
    assert report.prompt_tokens + report.answer_tokens <= report.context_length
    deltas = [e for e in events if isinstance(e, AnswerDelta)]
    assert len(deltas) > 1  # streamed, not one block
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.completion_tokens >= len(deltas) and usage.prompt_tokens > 50
    answer = events[-1]
    assert isinstance(answer, Answer)
    assert answer.answer == "".join(d.text for d in deltas)

    assert answer.citations
    for citation in answer.citations:
        source = citation.source
        page_text = workspace.catalogue.page_text(source.document_id, source.page)
        assert page_text is not None and page_text.strip() == source.text.strip()
    assert answer.as_dict()["grounded"] == answer.check.grounded
    workspace.close()


def test_reingest_is_a_no_op(workspace: Workspace, report_pdf: Path) -> None:
    ingest(workspace, [report_pdf])
    count = workspace.store.count()
    again = ingest(workspace, [report_pdf])
    assert again.ingested == [] and len(again.skipped) == 1
    assert workspace.store.count() == count


@pytest.fixture
def short_reasoning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thinking mode reserves answer + reasoning tokens; the starter never stops on its own, so
    the default 1024 reasoning tokens made this test decode 1,072 tokens (22 s on 2 cores)."""
    monkeypatch.setenv("ARCHIVIST_REASONING_BUDGET", "16")


def test_thinking_mode_on_a_model_without_thinking_still_answers(
    short_answers: None, short_reasoning: None, workspace: Workspace, report_pdf: Path
) -> None:
    ingest(workspace, [report_pdf])
    events = list(ask(workspace, "How did revenue change?", Mode.THINKING, seed=3))
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.mode == "fast" and "no thinking mode" in usage.note  # the starter has none
    assert isinstance(events[-1], Answer) and events[-1].answer
    assert usage.completion_tokens <= 48 + 16
