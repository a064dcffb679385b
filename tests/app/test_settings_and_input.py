"""Settings and malformed input (issue 24, items 4-8): rejections that outlive the setting
that caused them, settings that only fail later, wrong words for a config file or a server,
questions files that crash evaluation, and summaries that overwrite each other."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest

from app.errors import ConfigError
from app.services.evaluate import evaluate_retrieval
from app.services.ingest import ingest
from app.services.summary_batch import resolve_targets, summarize_batch
from app.settings import load_settings
from app.workspace import Workspace
from ingestion.readers import file_sha256
from model_runtime.engine import Mode
from tests.cli_runner import archivist, one_line_error
from tests.conftest import answering_with, shared_embedder
from tests.fake_engine import FakeEngine, Reply
from tests.hostile import long_pdf

FILLER = "Revenue grew and capital expenditure was 412 million dollars in fiscal 2023. "


# -- item 4: a rejection caused by a limit is not kept after the limit changed -------------


def test_a_file_rejected_by_the_time_limit_is_parsed_after_the_limit_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = long_pdf(tmp_path / "LONG_2023_10K.pdf", pages=40)
    monkeypatch.setenv("ARCHIVIST_PARSE_TIMEOUT_S", "0.001")
    first = archivist("ingest", str(pdf), "--no-progress")
    assert first.returncode == 3 and "longer than the limit" in first.stderr
    monkeypatch.delenv("ARCHIVIST_PARSE_TIMEOUT_S")
    second = archivist("ingest", str(pdf), "--no-progress")  # was the cached rejection
    assert second.returncode == 0, second.stderr
    assert "1 ingested" in second.stdout


def test_retry_rejected_parses_a_rejected_file_again(workspace: Workspace, tmp_path: Path) -> None:
    text = tmp_path / "NOTE_2023_10K.txt"
    text.write_text(FILLER * 40)
    workspace.catalogue.record_rejected(
        str(text.resolve()), file_sha256(text), "parser failed (ValueError)"
    )
    workspace.close()
    kept = archivist("ingest", str(text), "--no-progress")
    assert kept.returncode == 3 and "parser failed (ValueError)" in kept.stderr
    retried = archivist("ingest", str(text), "--retry-rejected", "--no-progress")
    assert retried.returncode == 0, retried.stderr  # was "no such option"
    assert "1 ingested" in retried.stdout


# -- item 5: settings checked together, before anything runs -------------------------------


@pytest.mark.parametrize(
    ("variables", "named", "valid"),
    [
        ({"ARCHIVIST_CHUNK_OVERLAP": "224"}, "chunk_overlap", "0 to 223"),
        (
            {"ARCHIVIST_CHUNK_TOKENS": "64", "ARCHIVIST_CHUNK_OVERLAP": "100"},
            "chunk_overlap",
            "0 to 63",
        ),
        ({"ARCHIVIST_THREADS": "100000"}, "threads", f"1 to {os.cpu_count()}"),
        ({"ARCHIVIST_INGEST_WORKERS": "5000"}, "ingest_workers", f"1 to {os.cpu_count()}"),
    ],
)
def test_settings_that_fail_later_are_refused_at_load(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str, valid: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=named) as caught:
        load_settings()
    assert valid in caught.value.message
    result = archivist("docs", "list")
    assert result.returncode == 4
    assert named in one_line_error(result) and valid in result.stderr


def test_every_bad_setting_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVIST_TOP_K", "0")
    monkeypatch.setenv("ARCHIVIST_EMBED_BATCH", "0")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "top_k" in caught.value.message and "embed_batch" in caught.value.message


# -- item 6: the right words for a config file and a catalogue server ----------------------


def test_a_config_file_that_is_not_utf8_is_named(archivist_home: Path) -> None:
    archivist_home.mkdir(parents=True)
    (archivist_home / "archivist.toml").write_bytes(b"top_k = 5\n# caf\xe9 \xff\n")
    result = archivist("docs", "list")
    assert result.returncode == 4  # was 1, "'utf-8' codec can't decode byte"
    assert "archivist.toml is not UTF-8" in one_line_error(result)


def test_a_catalogue_server_that_refuses_is_not_called_damaged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARCHIVIST_CATALOGUE_URL", "postgresql+psycopg://127.0.0.1:1/x")
    result = archivist("docs", "list")
    line = one_line_error(result)
    assert "cannot connect to the catalogue at 127.0.0.1:1" in line
    assert "restore" not in line and "backup" not in line
    assert result.returncode == 3


# -- item 7: malformed questions are file:line, exit 3; memory does not grow with them -----


def library_with_report(home: Path, tmp_path: Path) -> Path:
    report = tmp_path / "docs" / "ACME_2023_10K.txt"
    report.parent.mkdir()
    report.write_text("\n\n".join(f"Page {n}. " + FILLER * 20 for n in range(3)))
    assert archivist("ingest", str(report), "--no-progress", home=home).returncode == 0
    return report


def question(**fields: object) -> str:
    row: dict[str, object] = {
        "financebench_id": "q1",
        "question": "What was capital expenditure?",
        "doc_name": "ACME_2023_10K",
        "evidence": [{"evidence_page_num": 0}],
    }
    row.update(fields)
    return json.dumps(row)


@pytest.mark.parametrize(
    "bad_line",
    [
        question(evidence="abc"),
        "[5]",
        question(evidence=[5]),
        question(evidence=[{"evidence_page_num": float("inf")}]),  # json writes Infinity
        question(evidence=[{"evidence_page_num": -3}]),
        question(question={"nested": True}),
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=[
        "evidence-text",
        "a-list",
        "evidence-number",
        "infinity",
        "negative-page",
        "question-object",
        "deep-nesting",
    ],
)
def test_a_malformed_question_is_one_line_with_file_and_line(
    archivist_home: Path, tmp_path: Path, bad_line: str
) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(question() + "\n" + bad_line + "\n")
    result = archivist("eval", "retrieval", str(questions))
    assert result.returncode == 3, result.stderr[-300:]  # was 1 with Python's words
    assert f"{questions}:2: not a FinanceBench question" in one_line_error(result)


def test_evaluation_memory_does_not_grow_with_the_questions(
    archivist_home: Path, tmp_path: Path
) -> None:
    report = tmp_path / "ACME_2023_10K.txt"
    report.write_text("\n\n".join(f"Page {n}. " + FILLER * 20 for n in range(3)))
    peaks = {}
    for count in (20, 120):
        questions = tmp_path / f"q{count}.jsonl"
        questions.write_text(
            "\n".join(
                question(financebench_id=f"q{n}", question=f"Capex {n}?") for n in range(count)
            )
        )
        settings = load_settings()
        workspace = Workspace(settings, embedder=shared_embedder(settings))
        try:
            if count == 20:
                ingest(workspace, [report])
            workspace.embedder.embed(["warm up"])  # the model's own memory is not the point
            tracemalloc.start()
            evaluate_retrieval(workspace, questions, [1, 5])
            peaks[count] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        finally:
            workspace.close()
    per_question = (peaks[120] - peaks[20]) / 100
    assert per_question < 6_000, per_question  # was ~16 KB: every query vector held to the end


# -- item 8: documents with one file name each get their own summary -----------------------


def test_two_documents_with_one_name_are_both_summarised(
    workspace: Workspace, tmp_path: Path
) -> None:
    for folder, figure in (("a", 412), ("b", 977)):
        path = tmp_path / folder / "REPORT_2023_10K.txt"
        path.parent.mkdir()
        path.write_text(f"Capital expenditure was {figure} million dollars. " * 30)
        ingest(workspace, [path])
    every = resolve_targets(workspace, [], every=True)
    named = resolve_targets(workspace, ["REPORT_2023_10K"], every=False)
    assert len(every) == 2 and len(named) == 2  # was 1: the names collapsed
    reply = Reply("## Overview\n- Capex (p. 1)\n## Key figures\n## Risks\n## Outlook\n")
    answering = answering_with(workspace, FakeEngine([reply], context_length=8192))
    out = tmp_path / "out"
    results = list(summarize_batch(answering, every, Mode.FAST, out))
    assert [r.status for r in results] == ["done", "done"]
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 4, written  # was 2: the second overwrote the first
    for document in every:
        assert f"REPORT_2023_10K.{document.id[:12]}.summary.md" in written
