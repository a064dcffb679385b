"""Key figures in the catalogue, on SQLite and PostgreSQL: stored per document, read per
company (by any name `company_keys` matches) and item, gone with their document."""

from dataclasses import replace

import pytest

from retrieval.catalogue import Catalogue
from retrieval.key_figures.records import KeyFigure
from retrieval.storage.figure_store import FigureStore
from tests.retrieval.test_catalogue import catalogue, document  # noqa: F401 (fixture)


def capex(doc_id: str, column: int, period: str, value: float) -> KeyFigure:
    return KeyFigure(
        document_id=doc_id,
        statement="cash flow statement",
        page=59,
        row=17,
        column=column,
        label="Purchases of property, plant and equipment (PP&E)",
        item="capex",
        period=period,
        period_end=f"{period[2:]}-12-31",
        header=period[2:],
        value=value,
        scale=1e6,
        unit="USD",
    )


def test_figures_are_stored_read_by_company_and_item_and_removed_with_the_document(
    catalogue: Catalogue,  # noqa: F811
) -> None:
    doc_id = catalogue.begin_document(document())
    store = FigureStore(catalogue)
    figures = [capex(doc_id, 0, "FY2018", -1577.0), capex(doc_id, 1, "FY2017", -1373.0)]
    other = replace(figures[0], row=3, label="Net sales", item="revenue", value=32765.0)
    assert store.replace(doc_id, [*figures, other]) == 3
    assert store.companies() == {"3M": 1}
    assert store.company("3M Company", item="capex") == figures
    assert [f.amount for f in store.company("3m")] == [3.2765e10, -1.577e9, -1.373e9]
    assert store.company("Best Buy") == []
    store.replace(doc_id, figures[:1])  # reindex: the document's figures replaced whole
    assert store.document(doc_id) == figures[:1]
    with pytest.raises(ValueError):
        store.replace(doc_id, [replace(other, document_id="b" * 64)])
    catalogue.remove(doc_id)
    assert store.document(doc_id) == [] and store.companies() == {}
