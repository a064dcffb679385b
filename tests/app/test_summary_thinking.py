"""Thinking-mode summaries: the reasoning has room and a cap, and an empty section is never
saved as done. Tiny scripted Qwen3s (tests/tiny_gguf.py) that think until they are stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.summarize import SUMMARY_STEP, open_summarizer
from app.services.summary_batch import resolve_targets, summarize_batch
from app.workspace import Workspace
from model_runtime.engine import Mode
from tests import tiny_gguf as t
from tests.conftest import library_copy

# Thinks "abc" forever; once the block is closed for it, writes nothing and stops.
MUTE_SCRIPT = t.ENDLESS_THINKING_SCRIPT + t.chain("\n\n", "<|im_end|>")


def summarise(
    monkeypatch: pytest.MonkeyPatch, model: Path, library: tuple[Path, Path], out: Path, budget: int
) -> tuple[Workspace, object]:
    """`library`: the run's ingested Northwind home and the test's own home to copy it to."""
    monkeypatch.setenv("ARCHIVIST_MODEL", str(model))
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "24")
    monkeypatch.setenv("ARCHIVIST_REASONING_BUDGET", str(budget))
    workspace = library_copy(*library)
    [document] = resolve_targets(workspace, ["NORTHWIND_2023_10K"], every=False)
    summarizer = open_summarizer(workspace, Mode.THINKING)
    [result] = summarize_batch(workspace, [document], Mode.THINKING, out, summarizer=summarizer)
    return workspace, (result, summarizer, document)


@pytest.mark.parametrize("budget", [64, 0])
def test_a_model_that_thinks_to_the_limit_is_made_to_write_its_summary(
    monkeypatch: pytest.MonkeyPatch,
    tiny_models: dict[str, Path],
    northwind_home: Path,
    archivist_home: Path,
    tmp_path: Path,
    budget: int,
) -> None:
    workspace, (result, summarizer, _doc) = summarise(  # type: ignore[misc]
        monkeypatch,
        tiny_models["endless"],
        (northwind_home, archivist_home),
        tmp_path / "out",
        budget,
    )
    assert result.status == "done", result.reason
    overview = result.record.sections["overview"]
    assert [item.text for item in overview] == ["XYZ"]  # the answer after the forced close
    assert result.record.mode == "thinking"
    # The thinking was capped: the budget, or with 0 (no limit) the room the prompt left it.
    room = budget or workspace.engine.context_length // 4
    assert room + 3 <= result.record.completion_tokens <= room + 8
    assert summarizer.notes == []  # no fast rewrite was needed
    workspace.close()


def test_a_summary_left_empty_is_never_saved_as_done(
    monkeypatch: pytest.MonkeyPatch, northwind_home: Path, archivist_home: Path, tmp_path: Path
) -> None:
    mute = t.write_tiny_qwen3(tmp_path / "tiny-mute.gguf", MUTE_SCRIPT)
    workspace, (result, summarizer, document) = summarise(  # type: ignore[misc]
        monkeypatch, mute, (northwind_home, archivist_home), tmp_path / "out", 64
    )
    assert result.status == "failed"
    assert "left Overview, Key figures, Risks, Outlook empty" in result.reason
    assert summarizer.finished(document) is None  # not finished: the next run tries again
    assert summarizer.store.step(document.id, summarizer.run_key, SUMMARY_STEP) is None
    assert not list((tmp_path / "out").glob("*.summary.*"))
    assert [n["kind"] for n in summarizer.notes] == ["rewritten_fast"]  # tried without thinking
    workspace.close()
