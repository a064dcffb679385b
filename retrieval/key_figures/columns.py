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
    r"|(?P<span>\b(?:three|six|nine|twelve|thirteen|3|6|9|12|13|26|39|52|53)[- ]"
    r"(?:months?|weeks?)\b"
    r"|\bquarters?\s+ended\b|\bq[1-4]\b|\byears?\s+ended\b|\bfiscal\s+years?\b|\byear\b)",
    re.IGNORECASE,
)
_SPAN_MONTHS = {"three": 3, "3": 3, "13": 3, "thirteen": 3, "quarter": 3, "quarters": 3,
                "six": 6, "6": 6, "26": 6, "nine": 9, "9": 9, "39": 9}  # fmt: skip
INSTANT = 0  # a balance sheet column: a date, not a span


@dataclass(frozen=True)
class Column:
    period: str  # "FY2018", "2023Q2", "2023 6M"
    period_end: str  # ISO date, "" when the header gives no day
    header: str  # as printed: "Six Months Ended December 31, 2022"


def _span(text: str) -> int:
    """Months a header phrase spans: 3, 6, 9 or 12."""
    first = text.lower().split()[0].split("-")[0]
    if first.startswith("q"):
        return 3
    return _SPAN_MONTHS.get(first, 12)


def _fiscal_month(month: int, day: int) -> int:
    """A 52/53-week year may end a few days into the next month: Feb 3 closes January."""
    return (month - 2) % 12 + 1 if day and day <= 7 else month


def columns(head: str, count: int, instant: bool, meta: DocumentMeta) -> list[Column] | None:
    """The `count` columns a header describes, or None when it names too few years."""
    years: list[tuple[int, int, int, str, int]] = []  # year, month, day, date text, span
    dates: list[tuple[int, int, str]] = []  # the month-days since the last year
    run: list[int] = []  # the years after them
    spans: list[tuple[int, str]] = []
    for match in [*_TOKEN.finditer(head), None]:
        if match is None or (match["month"] and run):  # a block of dates, then years, ends
            # "January 28, January 29, 2023 2022": as many dates as years pair in order
            for n, year in enumerate(run):
                month, day, text = (
                    dates[n] if len(dates) == len(run) else (dates or [(0, 0, "")])[-1]
                )
                years.append((year, month, day, text, spans[-1][0] if spans else 12))
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


def _periods(
    years: list[tuple[int, int, int, str, int]],
    instant: bool,
    meta: DocumentMeta,
    phrases: list[str],
) -> list[Column]:
    latest = max(years, key=lambda c: (c[0], _fiscal_month(c[1], c[2]) if c[1] else 0))
    anchor_month = _fiscal_month(latest[1], latest[2]) if latest[1] else 0
    quarter = meta.quarter
    if not anchor_month:
        year_end = 12
    elif quarter and quarter < 4 and meta.form_type != "10-K":
        year_end = (anchor_month + 3 * (4 - quarter) - 1) % 12 + 1
    elif meta.form_type == "10-Q" and not quarter:
        year_end = 12
    else:
        year_end = anchor_month

    def fiscal(year: int, month: int, day: int) -> tuple[int, int]:
        """The fiscal year by date (before the anchoring), and the quarter a month ends."""
        if not month:
            return year, 4
        m = _fiscal_month(month, day)
        return year + (1 if m > year_end else 0), ((m - year_end - 1) % 12) // 3 + 1

    shift = 0
    if meta.fiscal_year:
        shift = meta.fiscal_year - fiscal(latest[0], latest[1], latest[2])[0]
        shift = shift if abs(shift) <= 1 else 0
    found = []
    phrase = phrases[0] if len(phrases) == 1 else ""
    for n, (year, month, day, date_text, span) in enumerate(years):
        fy, q = fiscal(year, month, day)
        fy += shift
        if not month and not instant and span == 3 and quarter:
            q = quarter
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
        header = " ".join(p for p in (phrase, f"{date_text} {year}".strip()) if p)
        found.append(Column(period, end, header))
    return found
