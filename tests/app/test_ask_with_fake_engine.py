"""The ask service's own logic, fast: a `FakeEngine` (held to the engine contract) answers.

Retrieval, scoping, assembly, the catalogue and the index are real; only the model is
scripted, so what the service makes of reasoning, citations and a cancel can be asserted
exactly. The same flow through llama.cpp is in tests/integration/test_end_to_end.py.
"""

from __future__ import annotations

import threading

import pytest

from app.services.ask import Answer, Retrieved, ask
from app.workspace import Workspace
from model_runtime.engine import Mode
from model_runtime.events import AnswerDelta, ReasoningDelta, Usage
from tests.conftest import answering_with
from tests.fake_engine import FakeEngine, Reply

QUESTION = "What were Northwind's capital expenditures in fiscal 2023?"


@pytest.fixture
def library(northwind: Workspace) -> Workspace:
    return northwind  # the report, ingested once for the run (tests/conftest.py)


def test_reasoning_stays_apart_and_citations_map_to_pages(library: Workspace) -> None:
    fake = FakeEngine(
        [Reply("Capex was 412 million dollars [S2].", reasoning="page 2 has it")],
        context_length=16_384,
    )
    events = list(ask(answering_with(library, fake), QUESTION, Mode.THINKING, seed=1))
    assert isinstance(events[0], Retrieved)
    answer = events[-1]
    assert isinstance(answer, Answer)
    assert answer.reasoning == "page 2 has it"
    assert answer.answer == "Capex was 412 million dollars [S2]."
    assert answer.readable_answer == "Capex was 412 million dollars [NORTHWIND_2023_10K p.2]."
    assert [(c.source.page, c.cited_by_model) for c in answer.citations] == [(1, True)]
    assert answer.check.grounded and answer.usage is not None
    assert answer.usage.mode == "thinking" and answer.usage.stop_reason == "stop"
    [(messages, mode)] = fake.calls
    assert mode is Mode.THINKING and QUESTION in messages[-1]["content"]
    assert "412 million" in messages[-1]["content"]  # the page reached the model


def test_an_answer_without_citations_lists_what_the_model_was_given(library: Workspace) -> None:
    fake = FakeEngine([Reply("Capex was large.")], context_length=16_384)
    answer = list(ask(answering_with(library, fake), QUESTION, Mode.FAST))[-1]
    assert isinstance(answer, Answer)
    assert not answer.check.grounded and answer.check.warning()
    assert answer.citations and not any(c.cited_by_model for c in answer.citations)


def test_cancel_mid_answer_ends_the_stream_with_a_cancelled_usage(library: Workspace) -> None:
    fake = FakeEngine([Reply("word " * 200)], context_length=16_384)
    cancel = threading.Event()
    events = []
    for event in ask(answering_with(library, fake), QUESTION, Mode.FAST, cancel=cancel):
        events.append(event)
        if isinstance(event, AnswerDelta) and len(events) == 5:
            cancel.set()
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.stop_reason == "cancelled" and usage.incomplete
    answer = events[-1]
    assert isinstance(answer, Answer)
    assert 0 < len(answer.answer) < len("word " * 200)
    assert not any(isinstance(e, ReasoningDelta) for e in events)
