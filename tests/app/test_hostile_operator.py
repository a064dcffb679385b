"""A careless or hostile operator at the command line: every mistake is one line on stderr
with the documented exit code, and names from the file system never reach the terminal raw.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.errors import ExitCode
from tests.cli_runner import archivist, one_line_error
from tests.conftest import REPORT_PAGES, make_pdf

HOSTILE = "x[blink red]\x1b]0;owned\x07\x1b[2J"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--bogus"], "No such option"),
        (["nosuch"], "No such command"),
        (["docs"], "needs a command: list, rm"),
        (["models"], "needs a command"),
        (["ingest"], "Missing argument"),
        (["docs", "rm"], "Missing argument"),
        (["ask", "q", "--nope"], "No such option"),
        (["eval", "retrieval"], "Missing argument"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = archivist(*args)
    assert result.returncode == ExitCode.USAGE
    assert words in one_line_error(result)


def test_a_question_that_is_not_utf8_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    question = b"What was \xff\xfe capex?".decode("utf-8", "surrogateescape")  # as argv holds it
    result = archivist("ask", question)
    assert result.returncode == ExitCode.USAGE
    assert "not valid UTF-8" in one_line_error(result)


def test_a_typo_in_an_environment_setting_is_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVIST_CONTEXT_LENGHT", "8192")
    result = archivist("config", "show")
    assert result.returncode == ExitCode.CONFIG
    assert "ARCHIVIST_CONTEXT_LENGHT (did you mean ARCHIVIST_CONTEXT_LENGTH?)" in (
        one_line_error(result)
    )


def test_a_home_that_is_a_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "not-a-folder"
    file.write_text("x")
    monkeypatch.setenv("ARCHIVIST_HOME", str(file))
    result = archivist("docs", "list")
    assert result.returncode == ExitCode.CONFIG
    line = one_line_error(result)
    assert "is a file, not a folder" in line and "Errno" not in line


def test_hostile_names_are_escaped_links_in_loops_skipped_and_same_names_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    make_pdf(folder / f"{HOSTILE}.pdf", REPORT_PAGES[:2])
    (folder / f"bad{HOSTILE}.pdf").write_text("not a pdf")
    (folder / "a" / "TWIN_2023_10K.txt").write_text("Twin report A. Capex was 5 million.")
    (folder / "b" / "TWIN_2023_10K.txt").write_text("Twin report B. Capex was 7 million.")
    os.symlink("loop2.pdf", folder / "loop1.pdf")
    os.symlink("loop1.pdf", folder / "loop2.pdf")

    ingested = archivist("ingest", str(folder))
    assert ingested.returncode == ExitCode.FAILURE  # one rejected, the rest done
    for text in (ingested.stdout, ingested.stderr):
        assert "\x1b" not in text and "\x07" not in text
    assert "x[blink red]\\x1b]0;owned\\x07\\x1b[2J" in ingested.stdout
    assert "rejected: " in ingested.stderr and "\\x1b[2J" in ingested.stderr
    assert "loop1.pdf  (a link that leads nowhere" in ingested.stdout
    assert "loop2.pdf  (a link that leads nowhere" in ingested.stdout

    listed = archivist("docs", "list")
    assert "\x1b" not in listed.stdout and "x[blink red]\\x1b]0;owned" in listed.stdout

    twins = archivist("ask", "What was capex?", "--doc", "TWIN_2023_10K")
    assert twins.returncode == ExitCode.INPUT
    line = one_line_error(twins)
    assert "names 2 documents" in line
    ids = [row.split("\t")[0] for row in listed.stdout.splitlines() if "\tTWIN_2023_10K\t" in row]
    assert len(ids) == 2 and all(short in line for short in ids)

    removed = archivist("docs", "rm", HOSTILE)
    assert removed.returncode == ExitCode.OK, removed.stderr
    assert "\x1b" not in removed.stdout and "removed   x[blink red]\\x1b" in removed.stdout
