"""Audit the figures a model derives: `Calculation: 6,489 / ((253 + 282) / 2) = 24.26`.

A ratio, a margin, a percentage change or a multi-year average is on no page, so the plain
figure check cannot back it. The prompt asks the model to show each one on a line of this
form; here a small arithmetic parser (numbers with $, commas, %, million/billion; + - * /
x ÷; parentheses; never `eval`) reads the line, each operand is looked up on the pages
the claim cites with the figure check's unit rules, and the arithmetic is done again:

- `computed`: every operand is on a cited page and the stated result is right within the
  rounding it is written with ("= 24.26" allows 0.005; "= 7%" allows 0.5 points);
- `miscalculated`: the operands are there but the result is wrong (the right one is given);
- `unsupported`: an operand is on no cited page (or, labelled with a year, "2023 6,489",
  only in another year's column of the page's table);
- `unreadable`: the line could not be parsed (or divides by zero).

Small constants (the 2 of an average of two years, the 100 of a percentage, 365 days) are
arithmetic, not figures, and are not looked up. A year written before an operand
("2023 6,489") labels it; words (revenue, FY2023, PP&E) are labels too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from retrieval.citations import CITATION
from retrieval.figure_units import PERCENT, Figure, PageFigures, figures_in, is_year, read_page

CALCULATION_LINE = re.compile(
    r"(?:^[ \t>*_•-]*|(?<=[\s(;.]))(?:\*\*)?calculation(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*"
    r"(?P<body>[^\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
TOKEN = re.compile(
    r"(?P<cite>\[S\d+\]|\(p{1,2}\.\s*\d+(?:\s*[-–]\s*\d+)?\))"
    r"|(?P<num>(?:US)?\$?\s?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?:%|percent\b|thousand\b|million\b|billion\b|trillion\b|bn\b|mn\b|[kmb]\b))?)"
    r"|(?P<op>[-+*/×÷−]|\bx\b)"
    r"|(?P<open>\()|(?P<close>\))"
    r"|(?P<word>[A-Za-z][\w&'.]*)"
    r"|(?P<other>\S)",
    re.IGNORECASE,
)
EQUALS = re.compile(r"=|≈|~=")
CONSTANTS = {1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 12.0, 100.0, 1000.0, 360.0, 365.0}


class CalcStatus(StrEnum):
    COMPUTED = "computed"
    MISCALCULATED = "miscalculated"
    UNSUPPORTED = "unsupported"
    UNREADABLE = "unreadable"

    def describe(self) -> str:
        return {
            CalcStatus.COMPUTED: "operands on the cited pages, arithmetic right",
            CalcStatus.MISCALCULATED: "the arithmetic is wrong",
            CalcStatus.UNSUPPORTED: "an operand is on no cited page",
            CalcStatus.UNREADABLE: "the calculation could not be read",
        }[self]


@dataclass(frozen=True)
class Operand:
    text: str
    start: int  # offsets in the text the calculation was found in
    end: int
    constant: bool  # arithmetic (the 2 of an average), not looked up
    found_in: tuple[str, ...] = ()  # labels of the cited pages holding it

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "constant": self.constant, "found_in": list(self.found_in)}


@dataclass(frozen=True)
class CheckedCalculation:
    text: str  # the calculation as written, after "Calculation:"
    status: CalcStatus
    start: int
    end: int
    stated: str = ""  # the result as written
    right: str = ""  # the result recomputed, written with the stated rounding
    operands: tuple[Operand, ...] = ()
    result: Figure | None = None  # the stated result, for figures that repeat it

    @property
    def verified(self) -> bool:
        return self.status == CalcStatus.COMPUTED

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "status": self.status.value,
            "stated": self.stated,
            "recomputed": self.right,
            "operands": [o.as_dict() for o in self.operands],
        }


@dataclass
class _Token:
    kind: str  # "num", "op", "open", "close"
    text: str
    start: int
    end: int
    figure: Figure | None = None
    year: str | None = None  # the period it is labelled with ("2023 6,489", "FY2023 6,489")


class _Unreadable(ValueError):
    pass


def calculation_spans(text: str) -> list[tuple[int, int]]:
    """Where the calculation lines of a text are (their figures are checked here)."""
    return [(m.start("body"), m.end("body")) for m in CALCULATION_LINE.finditer(text)]


def check_calculations(
    text: str, cited: dict[str, str], offset: int = 0
) -> list[CheckedCalculation]:
    """Every calculation line of `text`, its operands looked up in `cited` (label: text)."""
    pages = {label: read_page(page) for label, page in cited.items()}
    out = []
    for match in CALCULATION_LINE.finditer(text):
        body, start = match.group("body"), match.start("body")
        out.append(check_calculation(body, pages, offset + start))
    return out


def check_calculation(
    body: str, pages: dict[str, PageFigures], offset: int = 0
) -> CheckedCalculation:
    written = " ".join(CITATION.sub(" ", body).split())  # its citations are shown apart
    end = offset + len(body.rstrip())
    parts = [m.start() for m in EQUALS.finditer(body)]
    if not parts:
        return CheckedCalculation(written, CalcStatus.UNREADABLE, offset, end)
    last = parts[-1]
    result_text = body[last:]
    results = figures_in(result_text, skip_years=False)
    before = [0, *[p + 1 for p in parts]]
    segments = [(before[i], parts[i]) for i in range(len(parts))]
    with_numbers = [s for s in segments if re.search(r"\d", body[s[0] : s[1]])]
    if not results or not with_numbers:
        return CheckedCalculation(written, CalcStatus.UNREADABLE, offset, end)
    result = results[0]
    seg_start, seg_end = with_numbers[-1]
    try:
        tokens = _tokens(body, seg_start, seg_end)
        value = _Parser(tokens).parse()
    except (_Unreadable, ZeroDivisionError):
        return CheckedCalculation(written, CalcStatus.UNREADABLE, offset, end, result.text)
    operands = tuple(_operand(t, pages, offset) for t in tokens if t.kind == "num")
    stated = result.text
    right = _written_like(value, result, _has_hundred(tokens))
    shifted = replace(result, start=result.start + last + offset, end=result.end + last + offset)
    if any(not o.constant and not o.found_in for o in operands):
        status = CalcStatus.UNSUPPORTED
    elif _agrees(value, result, tokens):
        status = CalcStatus.COMPUTED
    else:
        status = CalcStatus.MISCALCULATED
    return CheckedCalculation(written, status, offset, end, stated, right, operands, shifted)


def _tokens(body: str, start: int, end: int) -> list[_Token]:
    raw: list[_Token] = []
    for m in TOKEN.finditer(body, start, end):
        kind = m.lastgroup or "other"
        if kind in ("cite", "word"):
            raw.append(_Token("word", m.group(0), m.start(), m.end()))
            continue
        if kind == "other":
            if m.group(0) in ",;:$":
                continue
            raise _Unreadable(m.group(0))
        token = _Token(kind, m.group(0), m.start(), m.end())
        if kind == "num":
            found = figures_in(m.group(0), skip_years=False)
            if len(found) != 1:
                raise _Unreadable(m.group(0))
            token.figure = found[0]
        raw.append(token)
    # A year before another number or a label is itself a label: "2023 6,489", "2023 sales",
    # and so is FY2023; it names the period of the next operand.
    tokens = []
    year: str | None = None
    for i, token in enumerate(raw):
        following = raw[i + 1] if i + 1 < len(raw) else None
        if token.kind == "word":
            fiscal = re.fullmatch(r"FY\s?(\d{2}|\d{4})", token.text, re.IGNORECASE)
            if fiscal:
                digits = fiscal.group(1)
                year = digits if len(digits) == 4 else f"20{digits}"
            continue
        if (
            token.figure is not None
            and following is not None
            and following.kind in ("num", "word")
            and is_year(token.text.strip(), False)
        ):
            year = token.text.strip()
            continue
        if token.kind == "num":
            token.year, year = year, None
        elif token.kind == "op":
            year = None
        tokens.append(token)
    return tokens


def _operand(token: _Token, pages: dict[str, PageFigures], offset: int) -> Operand:
    figure = token.figure
    assert figure is not None
    constant = (
        figure.kind != PERCENT
        and not figure.scaled
        and re.fullmatch(r"\d+", token.text.strip()) is not None
        and float(token.text) in CONSTANTS
    )
    found: tuple[str, ...] = ()
    if not constant:
        found = tuple(label for label, page in pages.items() if page.holds(figure, token.year))
    return Operand(token.text.strip(), offset + token.start, offset + token.end, constant, found)


def _has_hundred(tokens: list[_Token]) -> bool:
    return any(t.kind == "num" and t.text.strip() in ("100", "100.0") for t in tokens)


def _agrees(value: float, result: Figure, tokens: list[_Token]) -> bool:
    """The recomputed value is the stated one within the stated rounding."""
    candidates = [(result.value, result.step)]
    if result.kind == PERCENT:
        candidates = [(result.value / 100, result.step / 100)]
        if _has_hundred(tokens):
            candidates.append((result.value, result.step))
    unscaled = all(t.figure is None or not t.figure.scaled for t in tokens)
    scales = (1.0, 1e-3, 1e-6, 1e-9) if result.scaled and unscaled else (1.0,)
    for stated, step in candidates:
        for scale in scales:
            tolerance = step * scale / 2 + 1e-9 * max(1.0, abs(stated * scale))
            if abs(value - stated * scale) <= tolerance:
                return True
    return False


def _written_like(value: float, result: Figure, hundred: bool) -> str:
    """The recomputed value written as the stated result is (its decimals, its unit)."""
    number = re.search(r"\d[\d,]*(?:\.(\d+))?", result.text)
    decimals = len(number.group(1) or "") if number else 2
    if result.kind == PERCENT:
        return f"{value if hundred else value * 100:,.{decimals}f}%"
    own_scale = result.step / 10.0**-decimals
    unit = result.text[number.end() :].strip() if number else ""
    if own_scale != 1.0 and abs(value) >= own_scale / 1000:
        value, shown_unit = value / own_scale, f" {unit}" if unit else ""
    else:
        shown_unit = ""
    prefix = "$" if "$" in result.text else ""
    return f"{prefix}{value:,.{decimals}f}{shown_unit}"


class _Parser:
    """expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
    factor := '-' factor | number | '(' expr ')'."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def parse(self) -> float:
        if not self.tokens:
            raise _Unreadable("empty")
        value = self._expr()
        if self.position != len(self.tokens):
            raise _Unreadable("trailing tokens")
        return value

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> _Token:
        token = self._peek()
        if token is None:
            raise _Unreadable("ended early")
        self.position += 1
        return token

    def _expr(self) -> float:
        value = self._term()
        while (token := self._peek()) is not None and token.kind == "op" and _op(token) in "+-":
            self._take()
            value = value + self._term() if _op(token) == "+" else value - self._term()
        return value

    def _term(self) -> float:
        value = self._factor()
        while (token := self._peek()) is not None and token.kind == "op" and _op(token) in "*/":
            self._take()
            right = self._factor()
            value = value * right if _op(token) == "*" else value / right
        return value

    def _factor(self) -> float:
        token = self._take()
        if token.kind == "op" and _op(token) == "-":
            return -self._factor()
        if token.kind == "num":
            assert token.figure is not None
            figure = token.figure
            return figure.value / 100 if figure.kind == PERCENT else figure.value
        if token.kind == "open":
            value = self._expr()
            if self._take().kind != "close":
                raise _Unreadable("unclosed parenthesis")
            return value
        raise _Unreadable(token.text)


def _op(token: _Token) -> str:
    return {"×": "*", "x": "*", "X": "*", "÷": "/", "−": "-"}.get(token.text, token.text)
