"""Cleaning, structure and token-aware chunking on pages whose content we control."""

from pathlib import Path

from ingestion.chunker import chunk_blocks
from ingestion.cleaning import clean_pages
from ingestion.embedder import bundled_model_folder
from ingestion.pipeline import ParseOptions, parse_file
from ingestion.readers import RawPage
from ingestion.structure import find_blocks, is_table_row
from ingestion.tokens import token_offsets_for

PROSE = (
    "Our operations depend on suppliers in many countries and on the prices of resin, "
    "aluminium and energy, which have been volatile. "
)


WORDS = ["Revenue", "Liquidity", "Goodwill", "Leases", "Pensions", "Taxes"]


def raw(texts: list[str]) -> list[RawPage]:
    return [RawPage(i, None, t) for i, t in enumerate(texts)]


def test_running_headers_and_page_numbers_go_and_numbers_become_labels() -> None:
    pages = clean_pages(
        raw(
            [
                f"ACME CORP | Annual Report 2023\n{word} is discussed here.\n{n + 40}"
                for n, word in enumerate(WORDS)
            ]
        )
    )
    assert [p.label for p in pages] == [str(n + 40) for n in range(6)]
    for n, page in enumerate(pages):
        assert "ACME CORP" not in page.text
        assert page.text == f"{WORDS[n]} is discussed here."
        assert not page.text.rstrip().endswith(str(n + 40))


def test_hyphenation_joined_and_columns_not_glued() -> None:
    [page] = clean_pages(
        raw(["The company re-\nported strong  growth.\nNet sales     1,234     1,100"])
    )
    assert "The company reported strong" in page.text
    assert "Net sales  1,234  1,100" in page.text


def test_table_rows_are_told_from_prose() -> None:
    assert is_table_row("Net sales $ 5,591 $ 1,763 $ 7,354")
    assert is_table_row("Interest expense (138) (79)")
    assert not is_table_row("In 2022 revenue grew by 7 percent to 5.2 billion dollars.")
    assert not is_table_row("Item 7")


def test_sec_items_give_section_paths_and_tables_stay_whole(tmp_path: Path) -> None:
    table = "\n".join(
        ["Consolidated Interest Expense", "($ in millions) 2022 2021"]
        + [f"Line item number {i} $ ({100 + i}) $ ({80 + i})" for i in range(6)]
    )
    pages = [
        "PART I\nItem 1A. Risk Factors\n" + PROSE * 6,
        "Item 7. Management's Discussion and Analysis\nResults of Operations\n"
        + PROSE * 3
        + "\n"
        + table
        + "\n"
        + PROSE * 3,
        "Item 8. Financial Statements and Supplementary Data\n" + PROSE * 2,
    ]
    path = tmp_path / "filing.txt"
    path.write_text("\f".join(pages))
    doc = parse_file(path, ParseOptions(bundled_model_folder(), 128, 16))
    sections = [c.section for c in doc.chunks]
    assert sections[0] == "Part I > Item 1A. Risk Factors"
    assert any(
        s == "Part I > Item 7. Management's Discussion and Analysis > Results of Operations"
        for s in sections
    )
    assert sections[-1] == "Part I > Item 8. Financial Statements and Supplementary Data"
    # the table is one chunk, caption included, never cut
    tables = [c for c in doc.chunks if "Line item number 0" in c.text]
    assert len(tables) == 1
    assert tables[0].text.startswith("Consolidated Interest Expense")
    assert "Line item number 5" in tables[0].text
    # no chunk mixes two Items
    for chunk in doc.chunks:
        assert not ("Risk Factors" in chunk.text and "Item 7" in chunk.text)


def test_chunks_fit_the_token_budget_and_overlap_when_cut() -> None:
    counter = token_offsets_for(bundled_model_folder())
    pages = clean_pages(raw([PROSE * 40]))
    chunks = chunk_blocks(pages, find_blocks(pages), counter, max_tokens=64, overlap=16)
    assert len(chunks) > 5
    for chunk in chunks:
        assert len(counter.offsets(chunk.text)) <= 64
    for first, second in zip(chunks, chunks[1:], strict=False):
        assert second.start_char < first.end_char  # overlapping, cut for size
        assert second.start_char > first.start_char
