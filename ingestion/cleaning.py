"""Clean extracted page text: running headers/footers out, hyphenation joined, whitespace tidy.

Cleaning happens before chunking and the cleaned text is what the catalogue stores, so
chunk offsets and citations point at exactly the text a reader is shown.
"""

from __future__ import annotations

import re
from collections import Counter

from ingestion.readers import RawPage
from ingestion.records import Page

EDGE_LINES = 3  # lines at the top and bottom of a page where running text lives
REPEAT_SHARE = 0.5  # a line on at least this share of pages is a running header/footer
MIN_PAGES_FOR_REPEATS = 4

PAGE_NUMBER = re.compile(
    r"^(?i:page\s+)?(?P<label>\d{1,3}|[ivxlc]{1,6}|[IVXLC]{1,6}|[A-Z]-\d{1,3})(?i:\s+of\s+\d+)?$"
)
DIGITS = re.compile(r"\d+")
SPACES = re.compile(r"[ \t\u00a0\u2002-\u200a\u202f\u3000]+")
WIDE_GAP = re.compile(r"[ \t\u00a0\u2002-\u200a\u202f\u3000]{2,}")
HYPHEN_BREAK = re.compile(r"([A-Za-z]{2,})-\n([a-z]{2,})")
BLANK_RUNS = re.compile(r"\n{3,}")


def clean_pages(raw: list[RawPage]) -> list[Page]:
    """Cleaned pages; a printed page number found in the footer becomes the label."""
    return clean_pages_reported(raw)[0]


def clean_pages_reported(raw: list[RawPage]) -> tuple[list[Page], list[str]]:
    """Cleaned pages, and warnings when the running-line rule emptied most pages.

    A page whose only lines are "running" ones with numbers that change from page to page
    (one sentence repeated with different figures) keeps them: those are its content, not
    a header. A rule that still empties most pages is reported, never silent.
    """
    line_sets = [_lines(page.text) for page in raw]
    running, varying = _running_lines(line_sets)
    pages = []
    emptied = 0
    for page, lines in zip(raw, line_sets, strict=True):
        kept, printed = _strip_edges(lines, running, varying)
        label = page.label or printed or str(page.index + 1)
        text = _tidy(kept)
        emptied += bool(not text and any(lines))
        pages.append(Page(index=page.index, label=label, text=text))
    warnings = []
    if raw and emptied > len(raw) // 2:
        warnings.append(f"removing running headers/footers emptied {emptied} of {len(raw)} pages")
    return pages, warnings


def _lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [_normalise_line(line) for line in text.split("\n")]


def _normalise_line(line: str) -> str:
    """Collapse spaces but keep a column gap visible as two spaces, so cells stay apart."""
    line = line.strip()
    parts = WIDE_GAP.split(line)
    return "  ".join(SPACES.sub(" ", part) for part in parts)


def _signature(line: str) -> str:
    return DIGITS.sub("#", line.lower())


def _edge_indices(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def _running_lines(line_sets: list[list[str]]) -> tuple[set[str], set[str]]:
    """Signatures of running lines, and those among them whose numbers vary by page."""
    if len(line_sets) < MIN_PAGES_FOR_REPEATS:
        return set(), set()
    seen: Counter[str] = Counter()
    numbers: dict[str, set[str]] = {}
    for lines in line_sets:
        edge = {lines[i] for i in _edge_indices(lines)}
        seen.update({_signature(line) for line in edge})
        for line in edge:
            numbers.setdefault(_signature(line), set()).add(" ".join(DIGITS.findall(line)))
    threshold = max(2, int(len(line_sets) * REPEAT_SHARE))
    running = {sig for sig, count in seen.items() if count >= threshold and sig != "#"}
    return running, {sig for sig in running if len(numbers[sig]) > 1}


def _strip_edges(
    lines: list[str], running: set[str], varying: set[str] | None = None
) -> tuple[list[str], str | None]:
    drop: set[int] = set()
    printed: str | None = None
    kept_content: set[int] = set()
    for i in _edge_indices(lines):
        match = PAGE_NUMBER.match(lines[i])
        if match:
            drop.add(i)
            printed = printed or match.group("label")
        elif _signature(lines[i]) in running:
            drop.add(i)
            if _signature(lines[i]) in (varying or set()):
                kept_content.add(i)
    if all(i in drop for i, line in enumerate(lines) if line):
        drop -= kept_content  # changing numbers on a page with nothing else: its content
    return [line for i, line in enumerate(lines) if i not in drop], printed


def _tidy(lines: list[str]) -> str:
    text = "\n".join(lines)
    text = HYPHEN_BREAK.sub(r"\1\2", text)
    text = BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")
