"""What a summary run produces and keeps: its plan, its tally and its record.

Its own module so the summarizer (which fills them) and the formatter (which renders
them) both import it and neither imports the other. The record is stored as JSON in the
catalogue and written next to the Markdown; `as_dict` is that JSON, `from_dict` reads it
back (records written before this type existed have the same keys).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Tally:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    generated_steps: int = 0
    resumed_steps: int = 0
    seconds: float = 0.0


@dataclass
class Plan:
    strategy: str  # "single-pass" or "map-reduce"
    windows: list[list[int]]  # zero-based page indexes per window
    not_read: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class SummaryItem:
    """One bullet (or key-figure row), the pages it cites and its figures no cited page has."""

    text: str
    pages: list[int]
    unmatched_figures: list[str]


@dataclass
class SummaryRecord:
    document: str
    document_id: str
    pages: int = 0
    model: str = ""
    model_sha256: str = ""
    mode: str = ""
    strategy: str = ""
    windows: list[list[int]] = field(default_factory=list)  # one-based first and last page
    prompt_tokens: int = 0  # every run's, resumed steps included
    completion_tokens: int = 0
    seconds: float = 0.0
    tokens_per_s: float = 0.0
    generated_steps: int = 0
    resumed_steps: int = 0
    sources: list[int] = field(default_factory=list)
    pages_not_read: list[dict[str, object]] = field(default_factory=list)
    sections: dict[str, list[SummaryItem]] = field(default_factory=dict)
    status: str = "done"  # "done" or "failed"
    warnings: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON record; a failed one says only which document, and why."""
        if self.status == "failed":
            keep = ("document", "document_id", "status", "warnings")
            return {key: getattr(self, key) for key in keep}
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummaryRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["sections"] = {
            name: [SummaryItem(**item) for item in items]
            for name, items in data.get("sections", {}).items()
        }
        return cls(**values)
