"""The one record of an answer: what the CLI prints (`as_dict`), the TUI shows and the
chat history stores (`to_json`). The raw answer keeps its [S3] markers, so citations stay
links to their evidence after a restart; what it cites is derived, never stored twice."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from model_runtime.events import Usage
from retrieval.assembler import ContextReport
from retrieval.calculations import CheckedCalculation
from retrieval.citations import Citation, CitationCheck, check_citations, render_citations
from retrieval.citations import shown_citations as _shown
from retrieval.figures import Audit, CheckedFigure, Verdict, audit_answer
from retrieval.key_figures.opinion import Opinion
from retrieval.types import Evidence

STORED = (
    "question", "mode", "answer", "reasoning", "model", "context_tokens", "context_window",
    "completion_tokens",
    "omitted_sources", "ttft_s", "tokens_per_s", "stop_reason",
)  # fmt: skip


@dataclass
class Answer:
    question: str
    mode: str
    answer: str = ""
    reasoning: str = ""
    sources: list[Evidence] = field(default_factory=list)
    model: str = ""
    context_tokens: int = 0
    context_window: str = ""  # the automatic context and its limit, e.g. "window 8,192: memory"
    completion_tokens: int = 0
    omitted_sources: list[str] = field(default_factory=list)
    ttft_s: float | None = None
    tokens_per_s: float | None = None
    stop_reason: str = ""  # "stop", "length", "cancelled" or "error"
    report: ContextReport | None = None  # this run only: not stored in the history
    usage: Usage | None = None
    # The key figures table's values for what the question asks (stored: the table may
    # change after the answer; it is what the answer was shown beside).
    second_opinion: list[Opinion] = field(default_factory=list)
    # The figure audit of the text and sources it was computed for (derived, never stored).
    _audit: tuple[str, int, int, Audit] | None = field(default=None, repr=False, compare=False)

    @property
    def check(self) -> CitationCheck:
        return check_citations(self.answer, self.sources)

    @property
    def citations(self) -> list[Citation]:
        """What it cites; when it cites nothing, what it was given, flagged as such."""
        return _shown(self.answer, self.sources)

    @property
    def audit(self) -> Audit:
        """Every figure, quotation and calculation of the answer, checked against the
        sources its claims cite; computed once per answer text, never stored."""
        key = (self.answer, id(self.sources), len(self.sources))
        if self._audit is None or self._audit[:3] != key:
            self._audit = (*key, audit_answer(self.answer, self.sources))
        return self._audit[3]

    @property
    def figures(self) -> list[CheckedFigure]:
        return self.audit.figures

    @property
    def calculations(self) -> list[CheckedCalculation]:
        return self.audit.calculations

    @property
    def unverified(self) -> list[CheckedFigure]:
        return self.audit.unverified

    @property
    def verdict(self) -> Verdict:
        """verified, partly, unverified or nothing to check (never verified unchecked)."""
        return self.audit.verdict

    @property
    def verified(self) -> bool:
        """At least one figure checked, and every figure, quote and calculation holds."""
        return self.verdict == Verdict.VERIFIED

    @property
    def readable_answer(self) -> str:
        return render_citations(self.answer, self.sources)

    def use_report(self, report: ContextReport) -> None:
        self.report = report
        self.omitted_sources = report.omitted_labels()
        self.context_tokens = report.prompt_tokens

    def use_usage(self, usage: Usage) -> None:
        self.usage = usage
        self.model = usage.model
        self.context_tokens = usage.prompt_tokens
        self.completion_tokens = usage.completion_tokens
        self.ttft_s = usage.time_to_first_token_s
        self.tokens_per_s = usage.decode_tokens_per_s
        self.stop_reason = usage.stop_reason

    def as_dict(self) -> dict[str, object]:
        check = self.check
        audit = self.audit
        return {
            "question": self.question,
            "mode": self.mode,
            "answer": self.readable_answer,
            "reasoning": self.reasoning,
            "grounded": check.grounded,
            "warning": check.warning(),
            "invalid_citations": check.invalid,
            "lookalike_citations": check.lookalikes,
            "verdict": audit.verdict.value,
            "verified": audit.verdict == Verdict.VERIFIED,
            "figures": [f.as_dict() for f in audit.figures],
            "calculations": [c.as_dict() for c in audit.calculations],
            "citations": [c.as_dict() for c in self.citations],
            "second_opinion": [o.as_dict() for o in self.second_opinion],
            "context": self.report.as_dict() if self.report else None,
            "usage": self.usage.__dict__ if self.usage else None,
        }

    def to_json(self) -> str:
        data: dict[str, Any] = {key: getattr(self, key) for key in STORED}
        data["sources"] = [s.as_dict() for s in self.sources]
        data["second_opinion"] = [o.as_dict() for o in self.second_opinion]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Answer:
        """A stored answer; fields added or dropped since it was saved don't break it."""
        data: dict[str, Any] = json.loads(text)
        fields = {k: v for k, v in data.items() if k in STORED}
        sources = [Evidence.from_dict(s) for s in data.get("sources", [])]
        opinions = [Opinion.from_dict(o) for o in data.get("second_opinion", [])]
        return cls(sources=sources, second_opinion=opinions, **fields)
