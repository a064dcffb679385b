"""The summary's sections, its Markdown and its JSON record, with every bullet's figures
checked against the pages it cites."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.services.summary_record import Plan, SummaryItem, SummaryRecord, Tally
from model_runtime.engine import Mode
from retrieval.catalogue import DocumentInfo
from retrieval.citations import cited_pages
from retrieval.figures import unmatched_figures

SECTIONS = [
    (
        "overview",
        "Overview",
        "Give an overview of this report in 3 to 5 bullet points starting with '- '. End each "
        "bullet with its page, like (p. 12).",
    ),
    (
        "key_figures",
        "Key figures",
        "List the 5 most important figures, one per line, as: metric | value | p. N",
    ),
    (
        "risks",
        "Risks",
        "List the main risks in 3 to 5 bullet points starting with '- ', each ending with its "
        "page, like (p. 12).",
    ),
    (
        "outlook",
        "Outlook",
        "Describe the outlook and guidance in 2 to 4 bullet points starting with '- ', each "
        "ending with its page, like (p. 12).",
    ),
]
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# A section heading as models write it: "## Risks", "**Risks**", "Risks:".
HEADING = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?(?P<title>[A-Za-z][A-Za-z ]*?)(?:\*\*)?\s*:?\s*$")


def summary_task() -> str:
    """One instruction for all four sections, so the document is read once."""
    parts = [
        "Write a summary of the report above in four sections, in this order. Start each "
        "section with its heading on a line of its own, exactly as shown."
    ]
    parts += [f"## {title}\n{task}" for _name, title, task in SECTIONS]
    return "\n\n".join(parts)


def split_sections(text: str) -> list[Section]:
    """The four sections of one generation, split at their headings; text before the first
    heading counts as the overview, a section the model left out is empty."""
    by_title = {title.lower(): name for name, title, _task in SECTIONS}
    lines: dict[str, list[str]] = {name: [] for name, _title, _task in SECTIONS}
    current = SECTIONS[0][0]
    for line in text.splitlines():
        heading = HEADING.match(line)
        name = by_title.get(heading.group("title").strip().lower()) if heading else None
        if name is not None:
            current = name
            continue
        lines[current].append(line)
    return [Section(name, title, "\n".join(lines[name]).strip()) for name, title, _task in SECTIONS]


def empty_sections(sections: list[Section]) -> list[str]:
    """The titles of the sections with no text: a summary with one is not finished."""
    return [section.title for section in sections if not section.text.strip()]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    text: str

    @property
    def bullets(self) -> list[str]:
        lines = [line.strip() for line in self.text.splitlines() if line.strip()]
        items = [BULLET.sub("", line) for line in lines if BULLET.match(line) or "|" in line]
        return items or lines


def _table_row(bullet: str) -> list[str] | None:
    cells = [c.strip() for c in bullet.strip("|").split("|")]
    return cells if len(cells) >= 2 else None


def build_record(
    document: DocumentInfo,
    model: tuple[str, str],  # (label, verified SHA-256)
    mode: Mode,
    plan: Plan,
    sections: list[Section],
    tally: Tally,
    pages: dict[int, str],
    notes: list[dict[str, object]] | None = None,  # steps written again in fast mode
) -> SummaryRecord:
    warnings: list[dict[str, object]] = []
    section_data: dict[str, list[SummaryItem]] = {}
    cited_all: set[int] = set()
    for section in sections:
        items = []
        for bullet in section.bullets:
            cited = [p for p in cited_pages(bullet) if p in pages]
            cited_all.update(cited)
            unmatched = unmatched_figures(bullet, pages)
            items.append(SummaryItem(bullet, cited, unmatched))
            if not cited:
                warnings.append({"kind": "uncited", "section": section.name, "text": bullet})
            if unmatched:
                warnings.append(
                    {
                        "kind": "unmatched_figures",
                        "section": section.name,
                        "text": bullet,
                        "figures": unmatched,
                    }
                )
        section_data[section.name] = items
        if not items:
            warnings.append({"kind": "empty_section", "section": section.name})
    for skipped in plan.not_read:
        warnings.append({"kind": "not_read", **skipped})
    warnings += notes or []  # steps written again in fast mode
    seconds = tally.seconds
    return SummaryRecord(
        document=document.name,
        document_id=document.id,
        pages=document.page_count,
        model=model[0],
        model_sha256=model[1],
        mode=mode.value,
        strategy=plan.strategy,
        windows=[[w[0] + 1, w[-1] + 1] for w in plan.windows],
        prompt_tokens=tally.prompt_tokens,
        completion_tokens=tally.completion_tokens,
        seconds=round(seconds, 2),
        tokens_per_s=round(tally.completion_tokens / seconds, 2) if seconds else 0.0,
        generated_steps=tally.generated_steps,
        resumed_steps=tally.resumed_steps,
        sources=sorted(cited_all),
        pages_not_read=plan.not_read,
        sections=section_data,
        warnings=warnings,
    )


def render_markdown(document: DocumentInfo, record: SummaryRecord, sections: list[Section]) -> str:
    lines = [
        f"# {document.name}",
        "",
        f"- Pages: {document.page_count}",
        f"- Model: {record.model} ({record.mode} mode, {record.strategy})",
        f"- Source file: {document.path}",
        "",
    ]
    for section in sections:
        lines += [f"## {section.title}", ""]
        items = record.sections[section.name]
        rows = [_table_row(item.text) for item in items] if section.name == "key_figures" else []
        if rows and all(rows):
            lines += ["| Metric | Value | Source |", "|---|---|---|"]
            for row, item in zip(rows, items, strict=True):
                assert row is not None
                flag = " ⚠ figure not found on cited page" if item.unmatched_figures else ""
                lines.append(f"| {row[0]} | {row[1]} | {' '.join(row[2:])}{flag} |")
        else:
            for item in items:
                flag = ""
                if not item.pages:
                    flag = " ⚠ no page cited"
                elif item.unmatched_figures:
                    flag = f" ⚠ not found on cited page: {', '.join(item.unmatched_figures)}"
                lines.append(f"- {item.text}{flag}")
        lines.append("")
    if record.pages_not_read:
        lines += ["## Pages not read", ""]
        lines += [f"- p. {p['page']}: {p['reason']}" for p in record.pages_not_read]
        lines.append("")
    return "\n".join(lines)
