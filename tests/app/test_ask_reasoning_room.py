"""Thinking in `ask`: `reasoning_budget = 0` means no fixed limit, not no room; and while an
answer is generated the workspace carries the marker background ingestion yields to."""

from __future__ import annotations

import pytest

from app.services.ask import Answer, ask
from app.workspace import Workspace
from ingestion.yielding import question_waiting
from model_runtime.engine import Mode
from model_runtime.events import AnswerDelta
from tests.fake_engine import FakeEngine, Reply

QUESTION = "What were Northwind's capital expenditures in fiscal 2023?"
LONG_THOUGHT = "the capex figure is on page two " * 40  # 1,280 tokens of thinking


def answered_by(workspace: Workspace, engine: FakeEngine, budget: int) -> Workspace:
    settings = workspace.settings.model_copy(update={"reasoning_budget": budget})
    return Workspace(
        settings,
        catalogue=workspace.catalogue,
        store=workspace.store,
        embedder=workspace.embedder,
        engine=engine,
    )


@pytest.fixture
def library(northwind: Workspace) -> Workspace:
    return northwind  # the report, ingested once for the run (tests/conftest.py)


def test_no_reasoning_limit_still_leaves_the_thinking_room_and_the_answer_its_tokens(
    library: Workspace,
) -> None:
    fake = FakeEngine([Reply("Capex was 412 million dollars [S2].", LONG_THOUGHT)])
    answer = list(ask(answered_by(library, fake, 0), QUESTION, Mode.THINKING))[-1]
    assert isinstance(answer, Answer) and answer.report is not None
    assert answer.report.reasoning_tokens == 4096 // 4  # the prompt left a quarter for it
    assert answer.reasoning == LONG_THOUGHT  # not cut: no fixed limit
    assert answer.answer == "Capex was 412 million dollars [S2]."
    assert answer.stop_reason == "stop"


def test_a_reasoning_budget_caps_the_thinking_and_forces_the_answer(library: Workspace) -> None:
    fake = FakeEngine([Reply("Capex was 412 million dollars [S2].", LONG_THOUGHT)])
    answer = list(ask(answered_by(library, fake, 256), QUESTION, Mode.THINKING))[-1]
    assert isinstance(answer, Answer) and answer.report is not None
    assert answer.report.reasoning_tokens == 256
    assert len(answer.reasoning) < 300 and answer.answer.startswith("Capex was 412")


def test_the_workspace_is_marked_while_an_answer_is_generated(library: Workspace) -> None:
    fake = FakeEngine([Reply("Capex was 412 million dollars [S2].")])
    home = library.home
    seen = []
    for event in ask(answered_by(library, fake, 0), QUESTION, Mode.FAST):
        if isinstance(event, AnswerDelta):
            seen.append(question_waiting(home))
    assert seen and all(seen)
    assert not question_waiting(home)  # released when the answer ends


def test_a_model_that_cannot_think_gets_no_thinking_room(library: Workspace) -> None:
    """The starter has no thinking template: a thinking question decoded up to 1,024 tokens of
    reasoning budget on top of the answer before, for thoughts it never has."""
    fake = FakeEngine([Reply("Capex was 412 million dollars [S2].")], supports_thinking=False)
    answer = list(ask(answered_by(library, fake, 256), QUESTION, Mode.THINKING))[-1]
    assert isinstance(answer, Answer) and answer.report is not None
    assert answer.report.reasoning_tokens == 0
    assert answer.answer == "Capex was 412 million dollars [S2]."
