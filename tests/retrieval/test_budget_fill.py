"""Evidence fills the budget: top_k is a floor, whole pages where they fit, passages where
they do not, and a document too long to put whole goes in as its ranked pages in page
order. A cheap word counter stands in for the tokenizer (the assembler takes any counter);
passages are cut from a real SQLite catalogue."""

from pathlib import Path

import pytest

from ingestion.records import Chunk, DocumentMeta, Page, ParsedDocument
from retrieval.assembler import ContextAssembler, ContextMode
from retrieval.catalogue import Catalogue, chunk_id
from retrieval.evidence import PageReader, pages_of, read_units
from retrieval.passages import NEAR
from retrieval.types import Evidence

QUESTION = "What were capital expenditures in 2023?"


class Words:
    """One token per word: cheap, deterministic, and a real TokenCounter."""

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def unit(page: int, words: int = 200, doc: str = "ACME_2023_10K") -> Evidence:
    """A one-page unit with two shorter stand-ins: a 60-word passage, a 20-word excerpt."""
    body = " ".join(f"w{page}x{i}" for i in range(words))
    passage = " ".join(body.split()[:60])
    excerpt = " ".join(body.split()[:20])
    return Evidence(f"id-{doc}", doc, page, page, body, 1.0, None, passages=(passage, excerpt))


def assemble(
    budget: int, ranked: list[Evidence], floor: int = 5, pages: list[Evidence] | None = None
) -> tuple[list[str], object]:
    assembler = ContextAssembler(Words(), budget, answer_tokens=100, floor=floor)
    mode = ContextMode.AUTO if pages else ContextMode.EVIDENCE
    prompt = assembler.assemble(QUESTION, ranked, pages, mode)
    return [label for label, _ in prompt.report.included], prompt


def test_top_k_is_a_floor_kept_as_passages_when_whole_pages_do_not_fit() -> None:
    ranked = [unit(p) for p in (7, 3, 9, 1, 5, 11, 13)]
    # 5 whole pages need ~1,000 words; 600 leave room for one whole page and passages.
    labels, prompt = assemble(600, ranked)
    report = prompt.report  # type: ignore[attr-defined]
    # All five top units are in; the best one whole, the rest cut to passages.
    assert {label.split(" (")[0] for label in labels} >= {
        f"ACME_2023_10K p.{p + 1}" for p in (7, 3, 9, 1, 5)
    }
    assert "ACME_2023_10K p.8" in labels  # rank 1, whole
    assert any(label.endswith("(passage)") for label in labels)
    assert report.prompt_tokens + 100 <= 600
    # In page order in the prompt, whatever the rank.
    pages = [s.first_page for s in prompt.sources]  # type: ignore[attr-defined]
    assert pages == sorted(pages)


def test_the_budget_is_filled_beyond_top_k() -> None:
    ranked = [unit(p) for p in range(40)]
    labels, prompt = assemble(8000, ranked)
    report = prompt.report  # type: ignore[attr-defined]
    assert len(labels) > 5  # top_k = 5 no longer caps
    # Full: what is left could not hold one more excerpt (~24 words; each block's estimate
    # allows 2 tokens for the blank line between blocks, which this counter counts as 0).
    # (or every ranked unit went in: nothing was left to add)
    assert report.free_tokens < 24 + 2 * len(labels) or len(labels) == len(ranked)
    whole = [label for label in labels if not label.endswith("(passage)")]
    assert len(whole) >= 35  # whole pages while they fit, then passages


def test_a_unit_too_big_whole_goes_in_as_its_passage_and_the_next_whole() -> None:
    ranked = [unit(0, words=2000), unit(1), unit(2)]
    labels, _ = assemble(900, ranked, floor=1)
    assert labels[0] == "ACME_2023_10K p.1 (passage)"
    assert "ACME_2023_10K p.2" in labels and "ACME_2023_10K p.3" in labels


def test_a_document_too_long_whole_goes_in_as_its_ranked_pages_in_page_order() -> None:
    pages = [unit(p, words=300) for p in range(40)]  # ~12,000 words: does not fit 4,000
    ranked = [pages[p] for p in (33, 2, 17, 25, 8, 30, 12, 1, 39, 20, 5)]
    labels, prompt = assemble(4000, ranked, pages=pages)
    report = prompt.report  # type: ignore[attr-defined]
    assert report.mode_used == "evidence"
    chosen = [s.first_page for s in prompt.sources]  # type: ignore[attr-defined]
    assert chosen == sorted(chosen)
    assert {33, 2, 17, 25, 8, 30, 12, 1, 39, 20} <= set(chosen)  # the best-ranked, whole
    assert "ACME_2023_10K p.34" in labels
    # Nothing silently dropped: every ranked unit is included or omitted with a reason.
    assert len(prompt.sources) + len(report.omitted) == len(ranked)  # type: ignore[attr-defined]


def test_floor_units_that_cannot_fit_even_cut_are_reported() -> None:
    ranked = [unit(p, words=400) for p in range(5)]
    labels, prompt = assemble(300, ranked)
    report = prompt.report  # type: ignore[attr-defined]
    assert labels and all(label.endswith("(passage)") for label in labels)
    omitted = [o for o in report.omitted if o.reason == "budget"]
    assert len(labels) + len(omitted) == 5
    assert report.prompt_tokens + 100 <= 300


# --- passages from a real catalogue ---------------------------------------------------------

PAGE_0 = "Cover. Annual report of Acme Corporation for fiscal 2023."
PAGE_1 = (
    "Liquidity. We fund operations from cash flow. Management reviews spending each year.\n"
    "Capital expenditures by segment (in millions)\n"
    "Tools  412  380\n"
    "Parts  118  97\n"
    "Total  530  477\n"
    "Outlook. We expect spending to grow. Other matters are described below in detail."
)


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    cat = Catalogue(f"sqlite:///{tmp_path / 'c.sqlite'}")
    caption = PAGE_1.index("Capital expenditures")
    rows = PAGE_1.index("Tools")
    parts = PAGE_1.index("Parts")
    outlook = PAGE_1.index("Outlook")
    chunks = [
        Chunk(0, PAGE_0, 0, 0, 0, len(PAGE_0)),
        Chunk(1, PAGE_1[:caption], 1, 1, 0, caption),
        Chunk(2, PAGE_1[rows:parts], 1, 1, rows, parts, kind="table"),  # a table cut in two
        Chunk(3, PAGE_1[parts:outlook], 1, 1, parts, outlook, kind="table"),
        Chunk(4, PAGE_1[outlook:], 1, 1, outlook, len(PAGE_1)),
    ]
    pages = [Page(0, "i", PAGE_0), Page(1, "7", PAGE_1)]
    meta = DocumentMeta("ACME", "10-K", 2023, "FY2023", "")
    doc = ParsedDocument(
        Path("/lib/ACME_2023_10K.pdf"), "ACME_2023_10K", "a" * 64, pages, chunks, meta
    )
    cat.begin_document(doc)
    return cat


def passages(catalogue: Catalogue, unit: Evidence) -> list[tuple[str, ...]]:
    """The unit's passages, cut from its chunks and pages read as a question reads them."""
    chunks = catalogue.chunks_near(unit.chunk_ids, NEAR)
    pages = PageReader(catalogue).read(pages_of([unit]))
    return [u.passages for u in read_units([unit], pages, chunks)]


def test_a_matched_table_chunk_brings_the_whole_table_and_its_caption(
    catalogue: Catalogue,
) -> None:
    doc = "a" * 64
    matched = Evidence(doc, "ACME_2023_10K", 1, 1, score=1.0, chunk_ids=(chunk_id(doc, 3),))
    [levels] = passages(catalogue, matched)
    passage, *_ = levels
    assert "Capital expenditures by segment (in millions)" in passage  # the caption
    assert "Tools  412  380" in passage and "Total  530  477" in passage  # the whole table
    assert len(passage) < len(PAGE_1)  # still shorter than the page
    for level in levels:  # every stand-in keeps the table whole
        assert "Tools  412  380" in level and "Parts  118  97" in level


def test_a_text_match_brings_its_neighbours_and_the_excerpt_is_the_chunk_alone(
    catalogue: Catalogue,
) -> None:
    doc = "a" * 64
    matched = Evidence(doc, "ACME_2023_10K", 1, 1, score=1.0, chunk_ids=(chunk_id(doc, 4),))
    [levels] = passages(catalogue, matched)
    passage, excerpt = levels
    assert passage.startswith("… ")  # cut: marked, never passed off as the page
    assert "Total  530  477" in passage and "Outlook. We expect" in passage  # the neighbour
    assert (
        excerpt
        == "… Outlook. We expect spending to grow. Other matters are described below in detail."
    )
