"""A library of two real ACME 10-Ks (generated PDFs, ingested for real) whose key figures
are seeded straight into the store, as the extractor would write them at ingest: the
2023 filing restates 2022 capex and repeats 2022 revenue unchanged. And a BETA 10-K with
no figures at all (as one ingested before figures existed)."""

from __future__ import annotations

from pathlib import Path

from app.services.ingest import ingest
from app.workspace import Workspace
from retrieval.key_figures.records import KeyFigure
from retrieval.storage.figure_store import FigureStore
from tests.conftest import make_pdf

PAGES = {
    "ACME_2022_10K": [
        "ACME Corp annual report 2022. Anvils and rockets for the discerning coyote.",
        "Consolidated statements of income (in millions, except per share)\n"
        "2022 2021\nNet sales 1,000 900\nDiluted earnings per share 2.50 2.10",
        "Consolidated statements of cash flows (in millions)\n"
        "2022 2021\nPurchases of property and equipment (120) (100)",
    ],
    "ACME_2023_10K": [
        "ACME Corp annual report 2023. Anvils, rockets and now roller skates.",
        "Consolidated statements of income (in millions, except per share)\n"
        "2023 2022\nNet sales 1,100 1,000\nResearch and development 50 45",
        "Consolidated statements of cash flows (in millions)\n"
        "2023 2022\nPurchases of property and equipment (130) (125)",
    ],
    "BETA_2022_10K": ["Beta Inc annual report 2022.", "Net sales 10 9"],
}

# (document, zero-based page, row, label as printed, item, period, value in millions)
Spec = tuple[str, int, int, str, str, str, float]
FIGURES: list[Spec] = [
    ("ACME_2022_10K", 1, 0, "Net sales", "revenue", "FY2022", 1000.0),
    ("ACME_2022_10K", 1, 0, "Net sales", "revenue", "FY2021", 900.0),
    ("ACME_2022_10K", 1, 1, "Diluted earnings per share", "diluted_eps", "FY2022", 2.5),
    ("ACME_2022_10K", 1, 1, "Diluted earnings per share", "diluted_eps", "FY2021", 2.1),
    ("ACME_2022_10K", 2, 0, "Purchases of property and equipment", "capex", "FY2022", -120.0),
    ("ACME_2022_10K", 2, 0, "Purchases of property and equipment", "capex", "FY2021", -100.0),
    ("ACME_2023_10K", 1, 0, "Net sales", "revenue", "FY2023", 1100.0),
    ("ACME_2023_10K", 1, 0, "Net sales", "revenue", "FY2022", 1000.0),
    ("ACME_2023_10K", 1, 1, "Research and development", "", "FY2023", 50.0),
    ("ACME_2023_10K", 1, 1, "Research and development", "", "FY2022", 45.0),
    ("ACME_2023_10K", 2, 0, "Purchases of property and equipment", "capex", "FY2023", -130.0),
    ("ACME_2023_10K", 2, 0, "Purchases of property and equipment", "capex", "FY2022", -125.0),
]


def figure(document_id: str, spec: Spec) -> KeyFigure:
    name, page, row, label, item, period, value = spec
    per_share = item == "diluted_eps"
    year = period[2:]
    return KeyFigure(
        document_id=document_id,
        statement="cash flow statement" if page == 2 else "income statement",
        page=page,
        row=row,
        column=0 if year == name.split("_")[1] else 1,
        label=label,
        item=item,
        period=period,
        period_end=f"{year}-12-31",
        header=year,
        value=value,
        scale=1.0 if per_share else 1e6,
        unit="USD/share" if per_share else "USD",
    )


def acme_library(workspace: Workspace, folder: Path) -> dict[str, str]:
    """Ingest the three filings and seed ACME's figures; the document ids by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [make_pdf(folder / f"{name}.pdf", pages) for name, pages in PAGES.items()]
    ingest(workspace, paths)
    ids = {d.name: d.id for d in workspace.catalogue.documents()}
    store = FigureStore(workspace.catalogue)
    for name in ("ACME_2022_10K", "ACME_2023_10K"):
        store.replace(ids[name], [figure(ids[name], f) for f in FIGURES if f[0] == name])
    return ids
