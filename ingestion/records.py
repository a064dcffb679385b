"""Record types shared by ingestion, the catalogue and the services, and the one
vocabulary for what a document is: its company, form type ("10-K") and fiscal period.

They cross process boundaries (the parsing sandbox pickles them), so they stay plain data.
Ingestion (cover pages, file names) and scoping (questions, catalogue rows) both normalise
through the functions here, so a form written "10K", "10-k" or "10-K" is one value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# FinanceBench's file names: 3M_2018_10K, AMCOR_2023Q2_10Q, AMCOR_2022_8K_dated-2022-07-01,
# ULTABEAUTY_2023Q4_EARNINGS.
FILE_NAME = re.compile(
    r"^(?P<company>.+?)_(?P<year>(?:19|20)\d{2})(?:Q(?P<quarter>[1-4]))?_"
    r"(?P<form>10-?K|10-?Q|8-?K|EARNINGS)(?:_dated[-_](?P<date>\d{4}-\d{2}-\d{2}))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
FORMS = {"10K": "10-K", "10Q": "10-Q", "8K": "8-K", "EARNINGS": "earnings"}
WORD = re.compile(r"[A-Za-z0-9]+")
# Words a filer's legal name carries that an analyst leaves out: "Best Buy Co., Inc." is
# "Best Buy", "Adobe Systems Incorporated" is "Adobe".
LEGAL_WORDS = {
    "THE", "CO", "COMPANY", "COMPANIES", "INC", "INCORPORATED", "CORP", "CORPORATION", "PLC",
    "LTD", "LIMITED", "LLC", "LP", "NV", "SA", "AG", "SE", "INTERNATIONAL", "HOLDINGS",
    "HOLDING", "GROUP", "SYSTEMS",
}  # fmt: skip
LEGAL_TOKEN = re.compile(r"[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*\.?")  # "N.V." is one word, NV


def without_legal_words(name: str) -> str:
    """The name as written, less the legal words at its end: 'NIKE, INC.' -> 'NIKE',
    'Best Buy Co., Inc.' -> 'Best Buy'; a name of legal words only is kept whole."""
    words = list(LEGAL_TOKEN.finditer(name))
    while words and words[-1].group().replace(".", "").upper() in LEGAL_WORDS:
        words.pop()
    return name[: words[-1].end()].strip(" ,") if words else name.strip(" ,")


def squash(text: str) -> str:
    """Upper-case letters and digits only: 'Johnson & Johnson' -> 'JOHNSONJOHNSON'."""
    return "".join(WORD.findall(text)).upper()


def normalise_form(text: str) -> str:
    """The one spelling of a form type: '10K', '10-k' -> '10-K'; 'EARNINGS' -> 'earnings'.
    An unknown form is kept as written; an empty one stays empty."""
    return FORMS.get(squash(text), text.strip())


def fiscal_period(year: int | None, quarter: int | None) -> str:
    """'FY2018' for a year, '2023Q2' for a quarter, '' when the year is unknown."""
    if year is None:
        return ""
    return f"{year}Q{quarter}" if quarter else f"FY{year}"


def company_keys(*names: str) -> set[str]:
    """The squashed names a question may call a filer by: each name, and each without the
    legal words at its end ('Best Buy Co., Inc.' -> BESTBUYCOINC and BESTBUY)."""
    keys: set[str] = set()
    for name in names:
        words = [w.upper() for w in WORD.findall(name)]
        keys.add("".join(words))
        while words and words[-1] in LEGAL_WORDS:
            words.pop()
        keys.add("".join(words))
    return {k for k in keys if k}


@dataclass(frozen=True)
class Page:
    index: int  # zero-based position in the file
    label: str  # printed page label, or index + 1 when the file has none
    text: str  # cleaned text; chunk offsets point into it


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    text: str
    first_page: int
    last_page: int
    start_char: int  # offset into the first page's text
    end_char: int  # offset into the last page's text
    section: str = ""  # e.g. "Item 7. Management's Discussion > Results of Operations"
    kind: str = "text"  # "text" or "table"


@dataclass(frozen=True)
class DocumentMeta:
    """What a filter needs: who filed it, which form, which period. Ingestion fills the
    first five; a library document also carries its catalogue `id` and `name`."""

    company: str = ""
    form_type: str = ""  # 10-K, 10-Q, 8-K, earnings, or "" when unknown
    fiscal_year: int | None = None
    fiscal_period: str = ""  # "FY2018" or "2023Q2"
    doc_date: str = ""  # ISO date of the period end or the report date, when found
    id: str = ""
    name: str = ""

    @property
    def quarter(self) -> int | None:
        if "Q" in self.fiscal_period:
            return int(self.fiscal_period.rsplit("Q", 1)[1])
        return None

    def as_dict(self) -> dict[str, object]:
        """The five fields ingest decides: the catalogue's columns and `--json`'s keys."""
        return {
            "company": self.company,
            "form_type": self.form_type,
            "fiscal_year": self.fiscal_year,
            "fiscal_period": self.fiscal_period,
            "doc_date": self.doc_date,
        }


def parse_file_name(name: str) -> DocumentMeta | None:
    """Company, form, year, period and date from a FinanceBench-style name, or None."""
    match = FILE_NAME.match(name)
    if match is None:
        return None
    year = int(match["year"])
    quarter = int(match["quarter"]) if match["quarter"] else None
    return DocumentMeta(
        company=match["company"].replace("_", " ").strip(),
        form_type=normalise_form(match["form"]),
        fiscal_year=year,
        fiscal_period=fiscal_period(year, quarter),
        doc_date=match["date"] or "",
    )


@dataclass
class ParsedDocument:
    path: Path
    name: str  # display name used in citations, e.g. AMAZON_2019_10K
    sha256: str
    pages: list[Page] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    warnings: list[str] = field(default_factory=list)  # e.g. cleaning emptied most pages

    @property
    def page_count(self) -> int:
        return len(self.pages)
