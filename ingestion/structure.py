"""Find the structure of a filing: SEC Items, headings, financial tables.

The output is a flat list of blocks with character offsets into the cleaned page text and
the section path they belong to; the chunker packs blocks and never splits a table it
can keep whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ingestion.records import Page

ITEM = re.compile(
    r"^item\s+(?P<num>\d{1,2}(?:\.\d{2})?[a-c]?)\s*[.:\-\u2013\u2014]?\s*(?P<title>.{0,120})$",
    re.IGNORECASE,
)
PART = re.compile(
    r"^part\s+(?P<num>[ivx]{1,4})\b\s*[.:\-\u2013\u2014]?\s*(?P<title>.{0,80})$", re.I
)
NUMERIC_CELL = re.compile(
    r"^\(?[-\u2013\u2014]?\$?\(?\d[\d,]*(?:\.\d+)?\)?%?\)?$|^[-\u2013\u2014]+$"
)
WORD = re.compile(r"[A-Za-z][A-Za-z'&\-]*")
TOC_ITEMS = 4  # a page listing this many Items is a table of contents, not a section start
MAX_HEADING = 90


@dataclass(frozen=True)
class Block:
    page: int
    start: int  # offsets into the page's cleaned text
    end: int
    kind: str  # "heading", "text" or "table"
    section: str


@dataclass
class _Line:
    start: int
    end: int
    text: str
    kind: str = "text"


def find_blocks(pages: list[Page]) -> list[Block]:
    state = _Sections()
    blocks: list[Block] = []
    for page in pages:
        lines = _split_lines(page.text)
        toc = sum(1 for line in lines if _item_match(line.text)) >= TOC_ITEMS
        _classify(lines)
        blocks.extend(_page_blocks(page.index, lines, state, toc))
    return blocks


def _split_lines(text: str) -> list[_Line]:
    lines, offset = [], 0
    for raw in text.split("\n"):
        lines.append(_Line(offset, offset + len(raw), raw.strip()))
        offset += len(raw) + 1
    return lines


def is_table_row(text: str) -> bool:
    """Several numeric columns, ending in a number: a row of a financial table."""
    cells = text.replace("$ ", "$").replace("( ", "(").replace(" %", "%").replace(" )", ")")
    tokens = cells.split()
    if len(tokens) < 2:
        return False
    numeric = sum(1 for t in tokens if NUMERIC_CELL.match(t))
    words = len(WORD.findall(text))
    return numeric >= 2 and bool(NUMERIC_CELL.match(tokens[-1])) and words <= 12


def _item_match(text: str) -> re.Match[str] | None:
    match = ITEM.match(text)
    if match is None or text.endswith(",") or len(WORD.findall(match["title"])) > 14:
        return None
    return match


def _is_heading(text: str, previous: str, after_heading: bool) -> bool:
    if not 3 <= len(text) <= MAX_HEADING or not text[0].isupper() or text[-1] in ".,;":
        return False
    words = WORD.findall(text)
    if not words or len(words) > 10 or sum(c.isdigit() for c in text) > 4:
        return False
    letters = sum(c.isalpha() for c in text)
    if letters < 0.6 * len(text.replace(" ", "")):
        return False
    long_words = [w for w in words if len(w) > 3]
    capitalised = sum(1 for w in long_words if w[0].isupper())
    title_like = text.isupper() or (bool(long_words) and capitalised >= 0.6 * len(long_words))
    stands_alone = after_heading or not previous or previous[-1] in ".:;" or previous.isupper()
    return title_like and stands_alone


def _classify(lines: list[_Line]) -> None:
    previous, previous_kind = "", ""
    for line in lines:
        if not line.text:
            line.kind = "blank"
            continue
        if is_table_row(line.text):
            line.kind = "row"
        elif _item_match(line.text) or PART.match(line.text):
            line.kind = "item"
        elif _is_heading(line.text, previous, previous_kind in ("item", "heading")):
            line.kind = "heading"
        previous, previous_kind = line.text, line.kind
    # A run of rows (allowing short label lines between them) is a table.
    rows = [i for i, line in enumerate(lines) if line.kind == "row"]
    for a, b in zip(rows, rows[1:], strict=False):
        gap = lines[a + 1 : b]
        if len(gap) <= 2 and all(g.kind != "item" and len(g.text) <= 60 for g in gap):
            for g in gap:
                g.kind = "row"
    for i, line in enumerate(lines):
        if line.kind == "row" and not _row_neighbour(lines, i):
            line.kind = "text"  # a lone numeric line is prose, not a table


def _row_neighbour(lines: list[_Line], i: int) -> bool:
    return (i > 0 and lines[i - 1].kind == "row") or (
        i + 1 < len(lines) and lines[i + 1].kind == "row"
    )


class _Sections:
    """The running section path: Part > Item > heading."""

    def __init__(self) -> None:
        self.part = ""
        self.item = ""
        self.heading = ""

    @property
    def path(self) -> str:
        return " > ".join(p for p in (self.part, self.item, self.heading) if p)

    def enter(self, line: _Line, following: str) -> None:
        part = PART.match(line.text)
        if part:
            self.part, self.item, self.heading = f"Part {part['num'].upper()}", "", ""
            return
        match = _item_match(line.text)
        if match:
            title = _tidy_title(match["title"]) or _tidy_title(following)
            self.item = f"Item {match['num'].upper()}" + (f". {title}" if title else "")
            self.heading = ""
            return
        self.heading = _tidy_title(line.text)


def _tidy_title(text: str) -> str:
    text = re.sub(r"[\s.]*\d*$", "", text.strip()).strip(" .:-\u2013\u2014")
    return text[:MAX_HEADING]


def _page_blocks(page: int, lines: list[_Line], state: _Sections, toc: bool) -> list[Block]:
    blocks: list[Block] = []
    toc_path = "Table of Contents"

    def emit(kind: str, group: list[_Line]) -> None:
        filled = [g for g in group if g.text]
        if filled:
            section = toc_path if toc else state.path
            blocks.append(Block(page, filled[0].start, filled[-1].end, kind, section))

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.kind in ("item", "heading"):
            following = _next_text(lines, i)
            if not toc:
                state.enter(line, following if line.kind == "item" else "")
            if _starts_table(lines, i):
                i = _emit_table(lines, i, emit)
                continue
            emit("heading", [line])
            i += 1
        elif line.kind == "row" or _starts_table(lines, i):
            i = _emit_table(lines, i, emit)
        elif line.kind == "blank":
            i += 1
        else:
            j = i
            while j < len(lines) and lines[j].kind == "text" and not _starts_table(lines, j):
                j += 1
            emit("text", lines[i:j])
            i = j
    return blocks


def _next_text(lines: list[_Line], i: int) -> str:
    for line in lines[i + 1 : i + 4]:
        if line.text:
            return line.text if line.kind in ("heading", "text") else ""
    return ""


def _starts_table(lines: list[_Line], i: int) -> bool:
    """A short caption line directly above a table belongs to the table."""
    line = lines[i]
    if line.kind == "row" or not line.text or len(line.text) > 100 or line.text.endswith("."):
        return False
    return i + 1 < len(lines) and lines[i + 1].kind == "row"


def _emit_table(lines: list[_Line], i: int, emit: Callable[[str, list[_Line]], None]) -> int:
    j = i + 1 if lines[i].kind != "row" else i
    while j < len(lines) and lines[j].kind == "row":
        j += 1
    emit("table", lines[i:j])
    return j
