"""A column chart of one line of the figures table over its periods, drawn with block
characters in a plain Textual widget.

Built in rather than taken from a plotting package (`textual-plot`, `textual-plotext`):
neither is in the offline bundle the product installs from, and a line of key figures is a
handful of periods with signed values, which columns with their printed values under them
show more plainly than a scatter of points on a scaled axis. Textual's own `Sparkline`
scales between the minimum and the maximum, so a negative line (capex) or a small change
reads as a cliff; here the columns stand on zero and a restated value is marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from tui.safe import literal

RISING = " ▁▂▃▄▅▆▇█"  # a column's top, in eighths of a cell
POSITIVE, NEGATIVE, AXIS = "cyan", "red", "dim"


@dataclass(frozen=True)
class Point:
    period: str
    value: float | None  # in the line's scale; None where the period has no value
    shown: str  # the value as the table prints it
    restated: bool = False


def _cell(top: float, bottom: float, value: float) -> str:
    """The block for the cell spanning [bottom, top] of a column standing on zero."""
    height = top - bottom
    low, high = (0.0, value) if value >= 0 else (value, 0.0)
    covered = max(0.0, min(high, top) - max(low, bottom)) / height
    if covered <= 0.0:
        return " "
    if covered >= 0.999:
        return "█"
    if value >= 0:  # a column's top: filled from the cell's bottom
        return RISING[max(1, round(covered * 8))]
    return "▀" if covered >= 0.375 else "▔"  # a negative column's end: filled from the top


def column_width(points: list[Point]) -> int:
    return max(8, *(len(p.period) + 2 for p in points), *(len(p.shown) + 3 for p in points))


def chart_lines(points: list[Point], height: int, title: str) -> Text:
    """The chart: a title, `height` rows of columns (zero marked on the left), then the
    period under each column and its value under that."""
    values = [p.value for p in points if p.value is not None]
    text = literal(title, "bold")
    if not values:
        text.append("\n(no values to plot)", style=AXIS)
        return text
    top, bottom = max(0.0, *values), min(0.0, *values)
    if top == bottom:
        top = 1.0
    width = column_width(points)
    step = (top - bottom) / height
    for row in range(height):
        high = top - row * step
        low = high - step
        on_zero = low < 0.0 <= high if bottom < 0 else row == height - 1
        text.append("\n" + ("0 ┤" if on_zero else "  │"), style=AXIS)
        for point in points:
            block = " " if point.value is None else _cell(high, low, point.value)
            style = POSITIVE if (point.value or 0) >= 0 else NEGATIVE
            bar = block * 4
            text.append(bar.center(width), style=style)
    text.append("\n   " + "".join(p.period.center(width) for p in points), style="bold")
    text.append("\n   ")
    for point in points:
        mark = "*" if point.restated else ""
        text.append((point.shown + mark).center(width), style=AXIS if point.value is None else "")
    if any(p.restated for p in points):
        text.append("\n* restated: the newest filing's value is plotted", style=AXIS)
    return text


class FiguresChart(Widget):
    """The chart of the line the table's cursor is on (`plot`); drawn to the widget's size."""

    DEFAULT_CSS = "FiguresChart { height: 14; padding: 0 1; }"

    def __init__(self, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.title = ""
        self.points: list[Point] = []

    def plot(self, title: str, points: list[Point]) -> None:
        self.title, self.points = title, points
        self.refresh()

    def render(self) -> Text:
        if not self.title:
            return Text("Pick a line of the table to plot it.", style=AXIS)
        rows = max(3, self.size.height - 4)
        points = self.points
        if points:  # the latest periods that fit the width
            fit = max(1, (self.size.width - 3) // column_width(points))
            points = points[-fit:]
        title = self.title
        if len(points) < len(self.points):
            title += f" (the latest {len(points)} of {len(self.points)} periods)"
        return chart_lines(points, rows, title)
