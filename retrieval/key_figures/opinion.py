"""One second opinion: the key figures table's value for one thing a question asks, where
it is printed, and whether the answer agrees; what `ask --json` lists as `second_opinion`,
what plain `ask` and the TUI print, and what the chat history stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from retrieval.key_figures.metrics import PERCENT_UNIT, printed
from retrieval.key_figures.records import KeyFigure

AGREES, DIFFERS, NOT_STATED = "agrees", "differs", "not_stated"
SCALE_WORDS = {1.0: "", 1e3: "thousands", 1e6: "millions", 1e9: "billions"}


@dataclass(frozen=True)
class Opinion:
    """The table's value for one thing the question asks, and the answer's verdict."""

    item: str  # "capex", "gross_margin", "growth", "cagr"
    title: str
    company: str
    period: str  # "FY2018"; a growth or CAGR: "FY2016-FY2018"
    value: float  # as printed in the table (its scale), or the computed result
    scale: float  # the table's scale (1 for a percent or a ratio)
    unit: str  # "USD", "USD/share", "%", "ratio"
    label: str  # the row label as printed ("" for a computed metric)
    document_id: str
    document: str
    page: int  # zero-based, as the catalogue stores pages
    verdict: str = NOT_STATED  # agrees, differs, not_stated
    stated: str = ""  # the answer's figure: the one that agrees, or the one that differs
    calculation: str = ""  # "Calculation: ..." for a computed metric
    operands: tuple[KeyFigure, ...] = field(default=(), compare=False)  # a metric's, this run
    documents: tuple[str, ...] = field(default=(), compare=False)  # the operands' documents
    change: float | None = field(default=None, compare=False)  # growth: the change, as printed

    @property
    def amount(self) -> float:
        return self.value * self.scale

    @property
    def shown_value(self) -> str:
        """The value as an analyst reads it: "(1,577) USD millions", "40.0%", "1.53"."""
        if self.unit == PERCENT_UNIT:
            return f"{self.value:,.1f}%"
        if self.unit == "ratio":
            return f"{self.value:,.2f}"
        number = printed(abs(self.value))
        if self.value < 0:  # as printed in a table, or as a computed result is written
            number = f"-{number}" if self.calculation else f"({number})"
        scale = SCALE_WORDS.get(self.scale, f"x{self.scale:g}")
        return " ".join(p for p in (number, self.unit, scale) if p)

    def describe(self) -> str:
        """One plain line: what the table says, where, and what the answer says."""
        where = f"{self.document} p.{self.page + 1}"
        said = {
            AGREES: f"the answer agrees ({self.stated})",
            DIFFERS: f"MISMATCH: the answer says {self.stated}",
            NOT_STATED: "the answer states no figure for it",
        }[self.verdict]
        label = f' "{self.label}"' if self.label else ""
        line = f"{self.title}, {self.company} {self.period}: table {self.shown_value}{label}"
        line += f" [{where}]; {said}"
        return line + (f"; {self.calculation}" if self.calculation else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "item": self.item,
            "title": self.title,
            "company": self.company,
            "period": self.period,
            "table_value": self.shown_value,
            "value": self.value,
            "amount": self.amount,
            "unit": self.unit,
            "scale": self.scale,
            "label": self.label,
            "document": self.document,
            "document_id": self.document_id,
            "page": self.page + 1,
            "page_index": self.page,
            "answer_figure": self.stated or None,
            "verdict": self.verdict,
            "calculation": self.calculation or None,
            "operands": [
                {
                    "item": f.item,
                    "period": f.period,
                    "value": f.value,
                    "label": f.label,
                    "document": name,
                    "document_id": f.document_id,
                    "page": f.page + 1,
                }
                for f, name in zip(self.operands, self.documents, strict=False)
            ]
            if self.calculation
            else [],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Opinion:
        """An opinion as `as_dict` wrote it (an answer reopened from the history)."""
        return cls(
            str(data["item"]), str(data["title"]), str(data["company"]), str(data["period"]),
            float(data["value"]), float(data["scale"]), str(data["unit"]), str(data["label"]),
            str(data["document_id"]), str(data["document"]), int(data["page_index"]),
            str(data["verdict"]), str(data.get("answer_figure") or ""),
            str(data.get("calculation") or ""),
        )  # fmt: skip
