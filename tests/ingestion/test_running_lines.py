"""The running-header rule never silently empties a document.

A 1,000-page file whose pages repeat one sentence with changing figures once lost 667 pages
to the rule without a word: such lines are the pages' content and stay; a rule that still
empties most pages says so in a warning that reaches the ingest report.
"""

from __future__ import annotations

from pathlib import Path

from ingestion.cleaning import clean_pages_reported
from ingestion.pipeline import parse_file
from ingestion.readers import RawPage


def raw(texts: list[str]) -> list[RawPage]:
    return [RawPage(i, None, t) for i, t in enumerate(texts)]


def test_one_sentence_with_changing_figures_is_content_not_a_header() -> None:
    texts = [f"Revenue in month {n} was {1000 + 7 * n} thousand dollars." for n in range(60)]
    pages, warnings = clean_pages_reported(raw(texts))
    assert [p.text for p in pages] == texts
    assert warnings == []


def test_a_header_with_a_page_number_still_goes_from_pages_with_content() -> None:
    words = ["Revenue", "Leases", "Goodwill", "Taxes", "Pensions", "Debt", "Cash", "Risk"]
    texts = [
        f"ACME 10-K 2023 page {n + 3}\n" + "\n".join(f"{w} of {word} is here." for w in words[:5])
        for n, word in enumerate(["alpha", "beta", "gamma", "delta", "iota", "kappa", "mu", "nu"])
    ]
    pages, warnings = clean_pages_reported(raw(texts))
    for page, text in zip(pages, texts, strict=True):
        assert "ACME" not in page.text
        assert page.text == text.split("\n", 1)[1]
    assert warnings == []


def test_emptying_most_pages_is_a_warning_in_the_parsed_document(tmp_path: Path) -> None:
    path = tmp_path / "REPEAT_2023_10K.txt"
    path.write_text("\f".join(["CONFIDENTIAL DRAFT"] * 9 + ["Revenue was 5 million."]))
    document = parse_file(path)
    assert document.warnings == ["removing running headers/footers emptied 9 of 10 pages"]
