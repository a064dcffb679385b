"""Summaries with the real starter model on generated reports."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services.ingest import ingest
from app.services.summarize import open_summarizer
from app.services.summary_batch import resolve_targets, summarize_batch
from app.services.summary_format import (
    Section,
    build_record,
    render_markdown,
    split_sections,
    summary_task,
)
from app.services.summary_record import Plan, SummaryRecord, Tally
from app.settings import load_settings
from app.workspace import Workspace
from model_runtime.engine import Mode
from tests.cli_runner import archivist, one_line_error
from tests.conftest import make_pdf

FILLER = (
    "The company operates distribution centres across the region and reviews its network "
    "each year. Management monitors working capital, supplier terms and inventory levels. "
)


def long_report(path: Path, pages: int = 6) -> Path:
    texts = [
        f"Section {n}. Segment {n} revenue was {100 + n} million dollars in fiscal 2023. "
        + FILLER * 6
        for n in range(1, pages + 1)
    ]
    return make_pdf(path, texts)


@pytest.fixture
def tiny_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVIST_MAX_ANSWER_TOKENS", "24")


@pytest.mark.slow  # the starter model over many summary steps
def test_single_pass_writes_markdown_and_record(
    tiny_answers: None, workspace: Workspace, report_pdf: Path, tmp_path: Path
) -> None:
    ingest(workspace, [report_pdf])
    [document] = resolve_targets(workspace, ["NORTHWIND_2023_10K"], every=False)
    [result] = summarize_batch(workspace, [document], Mode.FAST, tmp_path / "out")
    assert result.status == "done"
    record = result.record
    assert record.strategy == "single-pass"
    assert record.windows == [[1, 4]]
    assert record.model_sha256 and record.completion_tokens > 0
    assert set(record.sections) == {"overview", "key_figures", "risks", "outlook"}
    assert record.generated_steps == 1  # every section in one generation: one read
    markdown = (tmp_path / "out" / "NORTHWIND_2023_10K.summary.md").read_text()
    assert markdown.startswith("# NORTHWIND_2023_10K")
    assert "## Key figures" in markdown and "## Outlook" in markdown
    # A second run skips the finished document.
    [again] = summarize_batch(workspace, [document], Mode.FAST, tmp_path / "out")
    assert again.status == "skipped"


@pytest.mark.slow  # the starter model over many summary steps
def test_map_reduce_reads_every_page_when_the_context_is_small(
    tiny_answers: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARCHIVIST_CONTEXT_LENGTH", "512")
    workspace = Workspace(load_settings())
    ingest(workspace, [long_report(tmp_path / "LONG_2023_10K.pdf", pages=4)])
    [document] = resolve_targets(workspace, [], every=True)
    [result] = summarize_batch(workspace, [document], Mode.FAST, tmp_path / "out")
    record = result.record
    assert record.strategy == "map-reduce"
    covered = {p for first, last in record.windows for p in range(first, last + 1)}
    skipped = {item["page"] for item in record.pages_not_read}
    assert covered | skipped == set(range(1, 5))
    assert len(record.windows) > 1
    workspace.close()


def test_planted_wrong_number_is_flagged_in_both_outputs(northwind: Workspace) -> None:
    workspace = northwind
    [document] = workspace.catalogue.documents()
    summarizer = open_summarizer(workspace, Mode.FAST)
    sections = [
        Section(
            "overview",
            "Overview",
            "- Capex was $412 million (p. 2)\n- Revenue rose 7% to $5.2 billion (p. 4)",
        ),
        Section("key_figures", "Key figures", "Capex | $421 million | p. 2"),
        Section("risks", "Risks", "- Fuel prices (p. 3)"),
        Section("outlook", "Outlook", "- Growth continues"),
    ]
    pages = {i + 1: workspace.catalogue.page_text(document.id, i) or "" for i in range(4)}
    plan = Plan("single-pass", [[0, 1, 2, 3]])
    model = (summarizer.model_name, summarizer.model_sha256)
    record = build_record(document, model, Mode.FAST, plan, sections, Tally(), pages)
    flagged = [w for w in record.warnings if w["kind"] == "unmatched_figures"]
    assert [w["figures"] for w in flagged] == [["$421 million"]]
    assert [w["kind"] for w in record.warnings].count("uncited") == 1
    assert SummaryRecord.from_dict(json.loads(json.dumps(record.as_dict()))) == record
    markdown = render_markdown(document, record, sections)
    assert "| Capex | $421 million | p. 2 ⚠ figure not found on cited page |" in markdown
    assert "- Capex was $412 million (p. 2)\n" in markdown


def run_cli(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "ARCHIVIST_HOME": str(home),
        "ARCHIVIST_MAX_ANSWER_TOKENS": "24",
        "ARCHIVIST_CONTEXT_LENGTH": "512",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_killed_batch_resumes_from_its_checkpoints(archivist_home: Path, tmp_path: Path) -> None:
    pdf = long_report(tmp_path / "LONG_2023_10K.pdf", pages=4)
    first = run_cli(archivist_home, "summarize", str(pdf), "--format", "jsonl")
    database = archivist_home / "catalogue.sqlite"
    deadline = time.time() + 240
    steps = 0
    while time.time() < deadline and first.poll() is None:
        time.sleep(0.3)
        if database.exists():
            try:
                with sqlite3.connect(database) as connection:
                    steps = connection.execute("SELECT count(*) FROM summary_steps").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if steps >= 2:
                break
    assert first.poll() is None, "the summary finished before it could be killed"
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = run_cli(archivist_home, "summarize", "LONG_2023_10K", "--format", "jsonl")
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    [line] = out.strip().splitlines()  # jsonl: data only on stdout
    record = json.loads(line)
    assert record["status"] == "done"
    assert record["resumed_steps"] >= 2
    assert record["generated_steps"] >= 1


def test_usage_errors_exit_2(archivist_home: Path) -> None:
    result = archivist("summarize", "--format", "pdf", "--all", home=archivist_home)
    assert result.returncode == 2
    assert "--format" in one_line_error(result)


def test_a_resumed_summary_counts_the_tokens_of_every_run(
    tiny_answers: None,
    tiny_models: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    report_pdf: Path,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("ARCHIVIST_MODEL", str(tiny_models["qwen3"]))  # tokens, not prose
    workspace = Workspace(load_settings())
    ingest(workspace, [report_pdf])
    [document] = resolve_targets(workspace, ["NORTHWIND_2023_10K"], every=False)
    [first] = summarize_batch(workspace, [document], Mode.FAST, tmp_path / "one")
    assert first.record.prompt_tokens > 0
    with sqlite3.connect(workspace.home / "catalogue.sqlite") as connection:
        connection.execute("DELETE FROM summaries")  # as if killed after its last step
    [again] = summarize_batch(workspace, [document], Mode.FAST, tmp_path / "two")
    assert again.record.generated_steps == 0 and again.record.resumed_steps == 1
    assert again.record.prompt_tokens == first.record.prompt_tokens
    assert again.record.completion_tokens == first.record.completion_tokens
    workspace.close()


def test_one_generation_is_split_into_the_four_sections() -> None:
    task = summary_task()
    assert [line for line in task.splitlines() if line.startswith("## ")] == [
        "## Overview",
        "## Key figures",
        "## Risks",
        "## Outlook",
    ]
    written = (
        "Here is the summary.\n## Overview\n- Capex rose (p. 2)\n**Key figures**\n"
        "Capex | $412 million | p. 2\nRisks:\n- Fuel prices (p. 3)\n"
    )
    sections = {s.name: s for s in split_sections(written)}
    assert list(sections) == ["overview", "key_figures", "risks", "outlook"]
    assert sections["overview"].text == "Here is the summary.\n- Capex rose (p. 2)"
    assert sections["key_figures"].bullets == ["Capex | $412 million | p. 2"]
    assert sections["risks"].bullets == ["Fuel prices (p. 3)"]
    assert sections["outlook"].text == ""  # left out by the model: empty, not invented


@pytest.mark.slow
def test_two_summaries_of_one_document_at_once_share_the_steps(
    archivist_home: Path, tmp_path: Path
) -> None:
    """The TUI's summary and a batch of the same document: both finish, no step is
    generated twice (the second waits at each step the first is writing and reuses it)."""
    pdf = long_report(tmp_path / "LONG_2023_10K.pdf", pages=4)
    assert archivist("ingest", str(pdf), home=archivist_home).returncode == 0
    runs = [run_cli(archivist_home, "summarize", "LONG_2023_10K", "--format", "jsonl")]
    time.sleep(2)
    runs.append(run_cli(archivist_home, "summarize", "LONG_2023_10K", "--format", "jsonl"))
    records = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
        [line] = out.strip().splitlines()
        records.append(json.loads(line))
    assert [r["status"] for r in records] == ["done", "done"]
    steps = records[0]["generated_steps"] + records[0]["resumed_steps"]
    assert steps == records[1]["generated_steps"] + records[1]["resumed_steps"]
    assert records[0]["generated_steps"] + records[1]["generated_steps"] == steps
