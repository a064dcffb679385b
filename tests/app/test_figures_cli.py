"""`archivist figures` through the real command, over really ingested filings whose figures
are seeded as the extractor stores them: the table, one item, --all, --json, --csv, a
restatement shown with both values, and the one-line errors."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.services.figures import companies, company_table, source_evidence
from app.workspace import Workspace
from retrieval.catalogue import Catalogue
from retrieval.key_figures.table import period_order
from tests.cli_runner import archivist, one_line_error
from tests.figures_library import acme_library


@pytest.fixture
def acme(workspace: Workspace, tmp_path: Path) -> dict[str, str]:
    return acme_library(workspace, tmp_path / "docs")


def test_the_table_cites_each_value_and_shows_a_restatement(acme: dict[str, str]) -> None:
    result = archivist("figures", "acme")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ACME", "Unit", "FY2021", "FY2022", "FY2023"]
    revenue = next(line for line in lines if line.startswith("Revenue"))
    # 2022 revenue is printed by both filings: shown once, citing the newest ([1]).
    assert revenue.split("$M")[1].split() == (
        ["900", "[2", "p.2]", "1,000", "[1", "p.2]", "1,100", "[1", "p.2]"]
    )
    capex = lines.index(next(line for line in lines if line.startswith("Capital expenditures")))
    assert "(125) [1 p.3]" in lines[capex] and "(130) [1 p.3]" in lines[capex]
    assert lines[capex + 1].strip() == "was (120) [2 p.3]"  # the 2022 filing's own figure
    assert "2.50 [2 p.2]" in next(line for line in lines if line.startswith("Diluted EPS"))
    assert "$/share" in result.stdout
    assert lines[-1].split("   ") == ["[1] ACME_2023_10K", "[2] ACME_2022_10K"]
    assert "Research and development" not in result.stdout  # not a core item

    every = archivist("figures", "ACME", "--all")
    assert "Research and development" in every.stdout and "50 [1 p.2]" in every.stdout

    capex_only = archivist("figures", "ACME", "--item", "capex")
    assert [line.split()[0] for line in capex_only.stdout.splitlines()[1:3]] == [
        "Capital",
        "was",
    ]
    assert "Revenue" not in capex_only.stdout


def test_json_and_csv_give_every_value_with_its_page(acme: dict[str, str]) -> None:
    record = json.loads(archivist("figures", "ACME", "--item", "capex", "--json").stdout)
    assert record["company"] == "ACME"
    assert [p["period"] for p in record["periods"]] == ["FY2021", "FY2022", "FY2023"]
    [capex] = record["items"]
    assert (capex["item"], capex["unit"], capex["scale"]) == ("capex", "USD", 1e6)
    values = [(v["period"], v["value"], v["document"], v["page"]) for v in capex["values"]]
    assert values == [
        ("FY2021", -100.0, "ACME_2022_10K", 3),
        ("FY2022", -125.0, "ACME_2023_10K", 3),
        ("FY2022", -120.0, "ACME_2022_10K", 3),
        ("FY2023", -130.0, "ACME_2023_10K", 3),
    ]
    assert [v["restated"] for v in capex["values"]] == [False, True, True, False]
    first = capex["values"][0]
    assert first["amount"] == -1e8 and first["label"] == "Purchases of property and equipment"
    assert first["document_id"] == acme["ACME_2022_10K"]

    revenue = json.loads(archivist("figures", "ACME", "--item", "revenue", "--json").stdout)
    [same] = [v for v in revenue["items"][0]["values"] if v["period"] == "FY2022"]
    assert [s["document"] for s in same["sources"]] == ["ACME_2023_10K", "ACME_2022_10K"]

    rows = list(csv.DictReader(io.StringIO(archivist("figures", "ACME", "--csv").stdout)))
    assert list(rows[0]) == [
        "company", "item", "label", "period", "period_end", "value", "unit", "scale",
        "amount", "document", "page", "statement",
    ]  # fmt: skip
    capex_rows = [r for r in rows if r["item"] == "capex"]
    assert [(r["period"], r["value"], r["page"]) for r in capex_rows] == [
        ("FY2021", "-100.0", "3"),
        ("FY2022", "-125.0", "3"),
        ("FY2022", "-120.0", "3"),
        ("FY2023", "-130.0", "3"),
    ]
    assert {r["item"] for r in rows} == {"revenue", "diluted_eps", "capex"}
    assert len(rows) == 3 + 2 + 4


def test_errors_are_one_line_naming_what_there_is(acme: dict[str, str]) -> None:
    unknown = archivist("figures", "Initech")
    assert unknown.returncode == 3
    assert one_line_error(unknown).endswith("companies with figures: ACME")
    assert archivist("figures", "ac").returncode == 3  # too short to stand for a name
    shortened = archivist("figures", "acm", "--item", "capex")  # the start of one name
    assert shortened.returncode == 0 and shortened.stdout.startswith("ACME")

    item = archivist("figures", "ACME", "--item", "sales")
    assert item.returncode == 2
    assert "revenue, cost_of_revenue" in one_line_error(item)
    typo = archivist("figures", "ACME", "--item", "capx")
    assert "no item 'capx' (did you mean capex?)" in one_line_error(typo)

    missing = archivist("figures", "ACME", "--item", "inventories")
    assert missing.returncode == 5
    assert one_line_error(missing).endswith("its items are: revenue, diluted_eps, capex")

    before = archivist("figures", "Beta")  # a filing ingested before figures existed
    assert before.returncode == 5
    assert "archivist reindex" in one_line_error(before)

    both = archivist("figures", "ACME", "--json", "--csv")
    assert both.returncode == 2 and "not both" in one_line_error(both)


def test_an_empty_library_says_how_figures_come(archivist_home: Path) -> None:
    result = archivist("figures", "ACME")
    assert result.returncode == 5
    assert "archivist ingest" in one_line_error(result)


def test_periods_sort_in_time() -> None:
    periods = ["FY2023", "2023 9M", "2023Q3", "FY2022", "2023Q1", "2023 6M", "2023Q2", "2023Q4"]
    assert sorted(periods, key=period_order) == [
        "FY2022", "2023Q1", "2023Q2", "2023 6M", "2023Q3", "2023 9M", "2023Q4", "FY2023",
    ]  # fmt: skip


@dataclass
class CatalogueOnly:
    """All the figures service names (`HasCatalogue`)."""

    catalogue: Catalogue


def test_the_service_needs_only_the_catalogue(acme: dict[str, str], workspace: Workspace) -> None:
    ports = CatalogueOnly(workspace.catalogue)
    assert companies(ports) == {"ACME": 2}
    table = company_table(ports, "Acme", item="capex")
    [restated, earlier] = table.lines[0].cells["FY2022"]
    page = source_evidence(ports, earlier.source)
    assert (page.document_name, page.first_page) == ("ACME_2022_10K", 2)
    assert page.passage is not None
    text = workspace.catalogue.page_text(acme["ACME_2022_10K"], 2) or ""
    assert text[page.passage[1] : page.passage[2]] == (
        "Purchases of property and equipment (120) (100)"
    )
