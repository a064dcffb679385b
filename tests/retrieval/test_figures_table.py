"""The company table from stored figures: one value for one figure whatever scale each
filing prints it in, both values for a restatement (newest first), periods in time
order, core items in their order, printed lines only when asked."""

from __future__ import annotations

from dataclasses import replace

from ingestion.records import DocumentMeta
from retrieval.key_figures.records import KeyFigure
from retrieval.key_figures.table import build_table

OLD = DocumentMeta("ACME", "10-K", 2022, "FY2022", "2022-12-31", id="old", name="ACME_2022_10K")
NEW = DocumentMeta("ACME", "10-Q", 2023, "2023Q2", "2023-06-30", id="new", name="ACME_2023Q2_10Q")
BASE = KeyFigure("old", "income statement", 40, 0, 0, "Net sales", "revenue", "FY2022",
                 "2022-12-31", "2022", 1000.0, 1e6, "USD")  # fmt: skip


def test_a_figure_printed_in_thousands_and_in_millions_is_one_value() -> None:
    thousands = replace(BASE, document_id="new", page=4, value=1_000_400.0, scale=1e3)
    table = build_table("ACME", [BASE, thousands], [OLD, NEW])
    [line] = table.lines
    [value] = line.cells["FY2022"]
    assert [s.document_name for s in value.sources] == ["ACME_2023Q2_10Q", "ACME_2022_10K"]
    assert value.source.page == 4 and value.amount == 1_000_400_000.0  # the newest's print
    assert line.scale == 1e6  # a tie: the coarser scale


def test_a_restatement_keeps_both_values_newest_first() -> None:
    eps = replace(BASE, label="Diluted EPS", item="diluted_eps", value=2.50, scale=1.0,
                  unit="USD/share")  # fmt: skip
    restated = replace(eps, document_id="new", value=2.51)
    table = build_table("ACME", [eps, restated], [OLD, NEW])
    values = table.lines[0].cells["FY2022"]
    assert [(v.value, v.source.document_id) for v in values] == [(2.51, "new"), (2.50, "old")]
    assert table.lines[0].restated("FY2022")


def test_lines_in_item_order_periods_in_time_and_printed_lines_on_request() -> None:
    figures = [
        replace(BASE, document_id="new", period="2023Q2", header="Q2", value=260.0),
        replace(BASE, document_id="new", period="2023 6M", header="6M", value=500.0),
        replace(BASE, label="Purchases of PP&E", item="capex", value=-90.0, row=9),
        replace(BASE, label="Selling, general and administrative", item="", row=3, value=9.0),
        BASE,
    ]
    table = build_table("ACME", figures, [OLD, NEW])
    assert table.periods == ["FY2022", "2023Q2", "2023 6M"]
    assert [line.key for line in table.lines] == ["revenue", "capex"]
    assert [d.name for d in table.documents] == ["ACME_2023Q2_10Q", "ACME_2022_10K"]
    every = build_table("ACME", figures, [OLD, NEW], every_label=True)
    assert [line.title for line in every.lines][-1] == "Selling, general and administrative"
    assert build_table("ACME", figures, [NEW]).periods == ["2023Q2", "2023 6M"]  # no orphans
