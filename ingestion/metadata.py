"""Document metadata for filters: company, form type, fiscal period and date.

Read from the cover page first; the file name fills what the cover does not say. File
names follow FinanceBench's convention (3M_2018_10K, AMCOR_2023Q2_10Q,
AMCOR_2022_8K_dated-2022-07-01, ULTABEAUTY_2023Q4_EARNINGS). A fiscal-period label
written in the file name wins over one derived from the cover's period-end date, because
companies whose year ends in January name that year either way and the name is the
analyst's deliberate choice.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from ingestion.records import (
    DocumentMeta,
    Page,
    fiscal_period,
    normalise_form,
    parse_file_name,
    without_legal_words,
)

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = rf"(?P<month>{MONTHS})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>(?:19|20)\d{{2}})"
COVER_FORM = re.compile(r"\bFORM\s+(10-K|10-Q|8-K)\b", re.IGNORECASE)
YEAR_ENDED = re.compile(rf"fiscal\s+year\s+ended\s*:?\s*{DATE}", re.IGNORECASE)
QUARTER_ENDED = re.compile(rf"quarterly\s+period\s+ended\s*:?\s*{DATE}", re.IGNORECASE)
REPORT_DATE = re.compile(rf"Date\s+of\s+Report[^:]*:\s*{DATE}", re.IGNORECASE)
EARNINGS = re.compile(
    r"(?P<quarter>first|second|third|fourth)\s+quarter\b.{0,60}?\b(?:fiscal\s+(?:year\s+)?)?"
    r"(?P<year>(?:19|20)\d{2})\b.{0,40}?\bresults",
    re.IGNORECASE | re.DOTALL,
)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
REGISTRANT = re.compile(
    r"^(?P<name>[^\n]{2,80})\n\s*\(Exact name of (?:the )?registrant", re.I | re.M
)
FILE_NUMBER = re.compile(
    r"Commission\s+file\s+number[:\s]*[\d-]+\s*\n+\s*(?P<name>[^\n]{2,80})", re.I
)


def extract_metadata(name: str, pages: list[Page]) -> DocumentMeta:
    cover = "\n".join(page.text for page in pages[:2])
    from_name = parse_file_name(name) or DocumentMeta()
    company = _cover_company(cover) or from_name.company
    form = _cover_form(cover) or from_name.form_type
    doc_date, year, quarter = _cover_period(cover, form)
    if from_name.fiscal_year is not None:
        year = from_name.fiscal_year
        quarter = from_name.quarter or quarter
    doc_date = doc_date or from_name.doc_date
    if quarter is None and form == "10-Q" and doc_date:
        quarter = (int(doc_date[5:7]) - 1) // 3 + 1  # calendar quarter: the best guess left
    return DocumentMeta(company, form, year, fiscal_period(year, quarter), doc_date)


def _cover_company(cover: str) -> str:
    match = REGISTRANT.search(cover) or FILE_NUMBER.search(cover)
    if not match:
        return ""
    name = match["name"].strip(" ,")
    if not re.search(r"[A-Za-z]", name) or len(name.split()) > 8:
        return ""
    name = without_legal_words(name)
    return name.title() if name.isupper() and len(name) > 3 else name


def _cover_form(cover: str) -> str:
    match = COVER_FORM.search(cover)
    if match:
        return normalise_form(match.group(1))
    if EARNINGS.search(cover[:3000]):
        return "earnings"
    return ""


def _cover_period(cover: str, form: str) -> tuple[str, int | None, int | None]:
    """(ISO date, fiscal year, quarter) as the cover states them."""
    if form == "10-K" and (match := YEAR_ENDED.search(cover)):
        when = _iso(match)
        return when, int(when[:4]) if when else None, None
    if form == "10-Q" and (match := QUARTER_ENDED.search(cover)):
        return _iso(match), None, None
    if form == "8-K" and (match := REPORT_DATE.search(cover)):
        when = _iso(match)
        return when, int(when[:4]) if when else None, None
    if form == "earnings" and (match := EARNINGS.search(cover[:3000])):
        return "", int(match["year"]), ORDINALS[match["quarter"].lower()]
    return "", None, None


def _iso(match: re.Match[str]) -> str:
    try:
        day = datetime.strptime(f"{match['month']} {match['day']} {match['year']}", "%B %d %Y")
    except ValueError:
        return ""
    return date(day.year, day.month, day.day).isoformat()
