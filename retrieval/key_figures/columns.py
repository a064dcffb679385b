"""A statement's period columns: from the header printed above the numbers and the
filing's metadata, the period each column covers, in one spelling across filings.

A header names each column's year ("2018 2017 2016", "December 1, 2017 December 2, 2016"),
often a month and day ("Years ended December 31"), and for a 10-Q or an earnings release
the column groups' lengths ("Three Months Ended ... Six Months Ended ..."). Which fiscal
year a date falls in is the filer's convention, not the calendar's: NIKE's fiscal 2019 ends
May 31, 2019, Amcor's fiscal 2023 second quarter ends December 31, 2022, a 52/53-week year
may end a few days into the next month. So the fiscal year's last month is taken from the
filing (a 10-K's columns end on it; a 10-Q's latest column ends its quarter, named by the
metadata), and the latest column is anchored to the metadata's fiscal year: every other
column keeps its distance from that one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.records import DocumentMeta

MONTHS = {
    m: n
    for n, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for m in names
}  # fmt: skip
_TOKEN = re.compile(
    r"(?P<month>\b(?P<name>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?\s*"
    r"(?P<day>\d{1,2})?\b,?)"
    r"|(?P<year>\b(?:19[89]\d|20[0-4]\d)\b)"
    r"|(?P<span>\b(?:three|six|nine|twelve|thirteen|sixteen|\d{1,2})[- ]"
    r"(?:months?|weeks?)(?:\s+ended)?\b"
    r"|\bquarters?\s+ended\b|\bq[1-4]\b|\byear[- ]to[- ]date\b|\bytd\b"
    r"|\byears?\s+ended\b|\bfiscal\s+years?\b|\byear\b)",
    re.IGNORECASE,
)
_WORDS = {"three": 3, "six": 6, "nine": 9, "twelve": 12, "thirteen": 13, "sixteen": 16}
YEAR_TO_DATE = -1  # "Year-to-date": as many months as the filing's quarters
INSTANT = 0  # a balance sheet column: a date, not a span


@dataclass(frozen=True)
class Column:
    period: str  # "FY2018", "2023Q2", "2023 6M"
    period_end: str  # ISO date, "" when the header gives no day
    header: str  # as printed: "Six Months Ended December 31, 2022"


def _span(text: str) -> int:
    """Months a header phrase spans: 3, 6, 9 or 12."""
    text = text.lower()
    if text.startswith(("q", "quarter")):
        return 3
    if text.startswith(("year-to", "year to", "ytd")):
        return YEAR_TO_DATE
    number, _, unit = text.replace("-", " ").partition(" ")
    if not number.isdigit() and number not in _WORDS:
        return 12  # "Years ended", "Fiscal year"
    count = int(number) if number.isdigit() else _WORDS[number]
    if unit.startswith("week"):  # 12 or 13 weeks a quarter, 24/26 a half, 36/39 nine months
        count = 3 if count <= 17 else 6 if count <= 28 else 9 if count <= 42 else 12
    return count if count in (3, 6, 9, 12) else 12


def _fiscal_month(month: int, day: int) -> int:
    """A 52/53-week year may end a few days into the next month: Feb 3 closes January."""
    return (month - 2) % 12 + 1 if day and day <= 7 else month


def columns(head: str, count: int, instant: bool, meta: DocumentMeta) -> list[Column] | None:
    """The `count` columns a header describes, or None when it names too few years."""
    years: list[tuple[int, int, int, str, int]] = []  # year, month, day, date text, span
    dates: list[tuple[int, int, str]] = []  # the month-days since the last year
    run: list[int] = []  # the years after them
    spans: list[tuple[int, str]] = []
    default = 3 if meta.form_type == "10-Q" else 12  # no phrase: the form's own period
    for match in [*_TOKEN.finditer(head), None]:
        if match is None or (match["month"] and run):  # a block of dates, then years, ends
            # "January 28, January 29, 2023 2022": as many dates as years pair in order
            for n, year in enumerate(run):
                month, day, text = (
                    dates[n] if len(dates) == len(run) else (dates or [(0, 0, "")])[-1]
                )
                years.append((year, month, day, text, spans[-1][0] if spans else default))
            dates, run = (dates[-1:] if dates and len(dates) != len(run) else []), []
            if match is None:
                break
        if match["month"]:
            day = int(match["day"]) if match["day"] else 0
            dates.append((MONTHS[match["name"].lower()], day, match["month"].strip(" ,")))
        elif match["year"]:
            run.append(int(match["year"]))
        elif match["span"]:
            spans.append((_span(match["span"]), match["span"]))
    if len(years) == 1 and not years[0][1] and len(spans) == count > 1:
        return _one_year(years[0][0], spans, instant, meta)
    if len(years) < count or count == 0:
        return None
    years = years[-count:]
    if not any(m for _, m, _, _, _ in years):  # "2018 2017 2016" / "Years ended December 31"
        first = next((m for m in _TOKEN.finditer(head) if m["month"]), None)
        if first is not None:
            m, d = MONTHS[first["name"].lower()], first["day"]
            years = [
                (y, m, int(d) if d else 0, first["month"].strip(" ,"), s) for y, _, _, _, s in years
            ]
    groups = [s for s in spans if s[1].lower() not in ("year", "years ended")] or spans
    lengths = [s for s, _ in groups]
    if len(lengths) > 1 and count % len(lengths) == 0:  # column groups side by side
        per = count // len(lengths)
        years = [(y, m, d, t, lengths[i // per]) for i, (y, m, d, t, _) in enumerate(years)]
    elif len(set(lengths)) == 1:
        years = [(y, m, d, t, lengths[0]) for y, m, d, t, _ in years]
    found = _periods(years, instant, meta, [t for _, t in groups])
    if len({c.period for c in found}) < count:
        return None  # a statement's columns are different periods; this is some other table
    return found


def _one_year(
    year: int, spans: list[tuple[int, str]], instant: bool, meta: DocumentMeta
) -> list[Column] | None:
    """One year over a column per period ("2023" above "Q1 Q2 SIX MONTHS", J&J's recast
    statements): each column is that fiscal year's quarter or months, as printed; with no
    date there is nothing to anchor, so the year is the fiscal year."""
    quarters = [int(t[1]) if re.fullmatch(r"[qQ][1-4]", t) else 0 for _, t in spans]
    years = [(year, 0, 0, "", span) for span, _ in spans]
    found = _periods(years, instant, meta, [t for _, t in spans], quarters)
    return found if len({c.period for c in found}) == len(found) else None


def _periods(
    years: list[tuple[int, int, int, str, int]],
    instant: bool,
    meta: DocumentMeta,
    phrases: list[str],
    quarters: list[int] | None = None,
) -> list[Column]:
    latest = max(years, key=lambda c: (c[0], _fiscal_month(c[1], c[2]) if c[1] else 0))
    anchor_month = _fiscal_month(latest[1], latest[2]) if latest[1] else 0
    quarter = meta.quarter
    annual = [c for c in years if c[1] and c[4] == 12 and not instant]
    if not anchor_month:
        year_end = 12
    elif annual:  # a year's column ends the fiscal year
        year_end = _fiscal_month(annual[0][1], annual[0][2])
    elif meta.form_type == "10-K" or quarter == 4:
        year_end = anchor_month
    elif quarter:  # the latest column ends the metadata's quarter
        year_end = (anchor_month + 3 * (4 - quarter) - 1) % 12 + 1
    else:
        year_end = 12  # a quarter of an unknown fiscal year: the calendar's, most often

    if quarter and quarter < 4:  # "Year-to-date" in a quarter's filing
        years = [(y, m, d, t, 3 * quarter if s == YEAR_TO_DATE else s) for y, m, d, t, s in years]
    years = [(y, m, d, t, 12 if s == YEAR_TO_DATE else s) for y, m, d, t, s in years]

    def fiscal(year: int, month: int, day: int) -> tuple[int, int]:
        """The fiscal year by date (before the anchoring), and the quarter a month ends."""
        if not month:
            return year, 4
        m = _fiscal_month(month, day)
        return year + (1 if m > year_end else 0), ((m - year_end - 1) % 12) // 3 + 1

    shift = 0
    if meta.fiscal_year and quarters is None:
        shift = meta.fiscal_year - fiscal(latest[0], latest[1], latest[2])[0]
        shift = shift if abs(shift) <= 1 else 0
    found = []
    phrase = phrases[0] if len(phrases) == 1 else ""
    for n, (year, month, day, date_text, span) in enumerate(years):
        fy, q = fiscal(year, month, day)
        fy += shift
        if not month and not instant and span == 3 and quarter:
            q = quarter
        if quarters and quarters[n]:
            q = quarters[n]
        if instant:
            period = f"FY{fy}" if q == 4 else f"{fy}Q{q}"
        elif span == 12:
            period = f"FY{fy}"
        elif span == 3:
            period = f"{fy}Q{q}"
        else:
            period = f"{fy} {span}M"
        end = f"{year:04d}-{month:02d}-{day:02d}" if month and day else ""
        if len(phrases) > 1 and len(years) % len(phrases) == 0:
            phrase = phrases[n // (len(years) // len(phrases))]
        date = f"{date_text}, {year}" if date_text[-1:].isdigit() else f"{date_text} {year}"
        header = " ".join(p for p in (phrase, date.strip()) if p)
        found.append(Column(period, end, header))
    return found
