"""Key figures in the catalogue database: written per document at ingest (and reindex),
read per company for the figures table and per line item for an answer's second opinion.

A document's figures are replaced whole, in one transaction; they go with the document
(`Catalogue.remove` deletes them with its pages and chunks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, fields

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ingestion.records import company_keys
from retrieval.catalogue import Catalogue
from retrieval.key_figures.records import KeyFigure
from retrieval.storage.tables import DocumentRow, FigureRow

_FIELDS = [f.name for f in fields(KeyFigure)]


class FigureStore:
    def __init__(self, catalogue: Catalogue) -> None:
        """A repository in the catalogue's database (its schema migrated when it opened)."""
        self._engine = catalogue.engine

    def replace(self, document_id: str, figures: Iterable[KeyFigure]) -> int:
        """The document's figures become `figures`; returns how many were stored."""
        rows = [asdict(f) for f in figures]
        if any(row["document_id"] != document_id for row in rows):
            raise ValueError("every figure must belong to the document it is stored for")
        with Session(self._engine) as session, session.begin():
            session.execute(delete(FigureRow).where(FigureRow.document_id == document_id))
            if rows:
                session.execute(insert(FigureRow), rows)
        return len(rows)

    def document(self, document_id: str) -> list[KeyFigure]:
        with Session(self._engine) as session:
            query = select(FigureRow).where(FigureRow.document_id == document_id)
            return [_figure(r) for r in session.scalars(query.order_by(*_ORDER))]

    def of_documents(self, document_ids: Iterable[str], items: Iterable[str]) -> list[KeyFigure]:
        """The figures of these items in these documents, in one read (an answer's second
        opinion reads what its question asks for, once)."""
        ids, names = list(dict.fromkeys(document_ids)), list(dict.fromkeys(items))
        if not ids or not names:
            return []
        with Session(self._engine) as session:
            query = select(FigureRow).where(
                FigureRow.document_id.in_(ids), FigureRow.item.in_(names)
            )
            return [_figure(r) for r in session.scalars(query.order_by(*_ORDER))]

    def companies(self) -> dict[str, int]:
        """Each company with figures, and how many of its documents have them."""
        with Session(self._engine) as session:
            query = (
                select(DocumentRow.company, func.count(func.distinct(FigureRow.document_id)))
                .join(DocumentRow, DocumentRow.id == FigureRow.document_id)
                .group_by(DocumentRow.company)
                .order_by(DocumentRow.company)
            )
            return {str(company): int(n) for company, n in session.execute(query)}

    def company(self, name: str, item: str = "") -> list[KeyFigure]:
        """Every figure of the company's documents (the name as `company_keys` matches it:
        "3M", "3M Company", "Best Buy Co., Inc."), or only those of one normalised item."""
        wanted = company_keys(name)
        documents = [c for c in self.companies() if company_keys(c) & wanted]
        if not documents:
            return []
        with Session(self._engine) as session:
            query = (
                select(FigureRow)
                .join(DocumentRow, DocumentRow.id == FigureRow.document_id)
                .where(DocumentRow.company.in_(documents))
            )
            if item:
                query = query.where(FigureRow.item == item)
            return [_figure(r) for r in session.scalars(query.order_by(*_ORDER))]


_ORDER = (FigureRow.document_id, FigureRow.page, FigureRow.row, FigureRow.column)


def _figure(row: FigureRow) -> KeyFigure:
    return KeyFigure(**{name: getattr(row, name) for name in _FIELDS})
