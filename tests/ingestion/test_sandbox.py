"""The parsing sandbox: hostile files become rejections with a reason; the run goes on."""

from pathlib import Path

from ingestion.embedder import bundled_model_folder
from ingestion.pipeline import ParseOptions
from ingestion.sandbox import Outcome, Parsed, ParsePool, Rejected, SandboxLimits
from tests.hostile import decompression_bomb, late_header_pdf, long_pdf, type3_text_pdf


def run(paths: list[Path], limits: SandboxLimits) -> dict[str, Outcome]:
    with ParsePool(ParseOptions(bundled_model_folder()), limits) as pool:
        return {outcome.path.name: outcome for outcome in pool.parse(paths)}


def test_hostile_files_are_rejected_and_good_ones_still_parse(
    tmp_path: Path, report_pdf: Path
) -> None:
    zero = tmp_path / "zero.pdf"
    zero.touch()
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(report_pdf.read_bytes()[:300] + b"\x00garbage" * 50)
    bomb = decompression_bomb(tmp_path / "bomb.pdf", megabytes=100)
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nCapital expenditures were 412 million dollars.\n")
    odd = [type3_text_pdf(tmp_path / "type3.pdf"), late_header_pdf(tmp_path / "late.pdf")]
    outcomes = run([zero, corrupt, bomb, report_pdf, notes, *odd], SandboxLimits(2, 60, 256))
    assert isinstance(outcomes["NORTHWIND_2023_10K.pdf"], Parsed)
    assert isinstance(outcomes["notes.md"], Parsed)
    for name in ("type3.pdf", "late.pdf"):  # one reader refuses, the other reads
        parsed = outcomes[name]
        assert isinstance(parsed, Parsed), name
        assert "412 million" in parsed.document.pages[0].text
    for name, fragment in [
        ("zero.pdf", "empty"),
        ("corrupt.pdf", "PDF"),
        ("bomb.pdf", "limit"),
    ]:
        outcome = outcomes[name]
        assert isinstance(outcome, Rejected), name
        assert fragment in outcome.reason and name in outcome.reason


def test_a_file_over_the_time_limit_is_killed_and_the_next_one_parses(
    tmp_path: Path, report_pdf: Path
) -> None:
    # ~0.19 ms a page on a quiet 2-core machine: 40,000 pages need ~7x the limit, and the
    # limit leaves a loaded machine time to start a fresh worker for the next file.
    slow = long_pdf(tmp_path / "slow.pdf", 40_000)
    outcomes = run([slow, report_pdf], SandboxLimits(1, 1.0, 1024))
    rejected = outcomes["slow.pdf"]
    assert isinstance(rejected, Rejected) and "longer than the limit (1 s)" in rejected.reason
    assert isinstance(outcomes["NORTHWIND_2023_10K.pdf"], Parsed)


def test_a_thousand_page_pdf_parses_with_every_page(tmp_path: Path) -> None:
    big = long_pdf(tmp_path / "big.pdf", 1000)
    outcome = run([big], SandboxLimits(1, 300, 1024))["big.pdf"]
    assert isinstance(outcome, Parsed)
    doc = outcome.document
    assert doc.page_count == 1000
    assert [p.index for p in doc.pages] == list(range(1000))
    assert {c.first_page for c in doc.chunks} == set(range(1000))
    assert "unit 999 was stable" in doc.pages[999].text
