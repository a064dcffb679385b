"""The rows and column headers a question points to, on a page it reads as a passage."""

from __future__ import annotations

from collections.abc import Mapping


def row_spans(question: str, pages: Mapping[int, str]) -> dict[int, list[tuple[int, int]]]:
    return {}
