"""The `archivist` command (in-process): one plain line on stderr and a documented exit code."""

import json
from pathlib import Path

from app.errors import ExitCode
from tests.cli_runner import archivist, one_line_error
from tests.conftest import REPORT_PAGES


def test_missing_file(archivist_home: Path) -> None:
    result = archivist("ingest", "nowhere/report.pdf", home=archivist_home)
    assert result.returncode == ExitCode.INPUT
    assert "no such file" in one_line_error(result)


def test_non_pdf_named_pdf(archivist_home: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_text("hello")
    result = archivist("ingest", str(fake), home=archivist_home)
    assert result.returncode == ExitCode.INPUT
    assert "not a PDF" in one_line_error(result)


def test_ask_on_empty_workspace(archivist_home: Path) -> None:
    result = archivist("ask", "what is capex?", home=archivist_home)
    assert result.returncode == ExitCode.EMPTY
    assert "library is empty" in one_line_error(result)


def test_unknown_setting_in_toml(archivist_home: Path) -> None:
    archivist_home.mkdir(parents=True)
    (archivist_home / "archivist.toml").write_text("colour = 'blue'\n")
    result = archivist("docs", "list", home=archivist_home)
    assert result.returncode == ExitCode.CONFIG
    assert "unknown setting 'colour'" in one_line_error(result)


def test_bad_mode_is_a_usage_error(archivist_home: Path) -> None:
    result = archivist("ask", "q", "--mode", "slow", home=archivist_home)
    assert result.returncode == ExitCode.USAGE
    assert "--mode" in one_line_error(result)


def test_ingest_list_and_ask_json(
    archivist_home: Path, report_pdf: Path, tiny_models: dict[str, Path]
) -> None:
    result = archivist("ingest", str(report_pdf), "--json", home=archivist_home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ingested"][0]["pages"] == 4

    listed = json.loads(archivist("docs", "list", "--json", home=archivist_home).stdout)
    assert [(d["name"], d["status"]) for d in listed] == [("NORTHWIND_2023_10K", "ready")]

    result = archivist(
        "ask",
        "What were capital expenditures?",
        "--json",
        "--seed",
        "1",
        home=archivist_home,
        env={"ARCHIVIST_MAX_ANSWER_TOKENS": "32"},
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= {"answer", "reasoning", "citations", "usage"}
    assert answer["citations"][0]["document"] == "NORTHWIND_2023_10K"
    # The whole document fits, so its pages go in page order (no ranking): each citation
    # maps to a real page and carries that page's passage.
    for citation in answer["citations"]:
        assert 1 <= citation["page"] <= 4 and citation["page_index"] == citation["page"] - 1
        assert citation["passage"].split()[0] in " ".join(REPORT_PAGES)
    assert answer["usage"]["completion_tokens"] > 0
    assert "warning: the index was built" not in result.stderr

    # an index of another recipe still answers, but says search is degraded and what to do
    result = archivist(
        "ask",
        "What were capital expenditures?",
        "--json",
        home=archivist_home,
        env={
            "ARCHIVIST_MAX_ANSWER_TOKENS": "16",
            "ARCHIVIST_EMBEDDER_BACKEND": "onnx",
            "ARCHIVIST_MODEL": str(tiny_models["qwen3"]),  # the warning, not the prose
        },
    )
    assert result.returncode == 0, result.stderr
    assert "warning: the index was built with 'onnx-int8" in result.stderr
    assert "archivist reindex" in result.stderr


def test_config_show_names_sources(archivist_home: Path) -> None:
    result = archivist(
        "config", "show", "--json", home=archivist_home, env={"ARCHIVIST_TOP_K": "3"}
    )
    data = json.loads(result.stdout)
    assert data["top_k"] == {"value": "3", "source": "env ARCHIVIST_TOP_K"}
    assert data["chunk_tokens"]["source"] == "default"
