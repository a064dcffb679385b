"""One question and its streamed answer: a collapsible reasoning panel, the answer with
citations as links, and the figures behind it (model, mode, context, speed)."""

from __future__ import annotations

from itertools import count

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, Static

from retrieval.citations import segments
from tui.desk import Answer, Evidence
from tui.safe import clean, literal

LINK = "underline bold cyan"
REDRAW_S = 0.05  # a streaming answer is redrawn at most this often
UNVERIFIED = "bold black on yellow"
LOOKALIKE = "italic black on red"  # typed text that reads like a citation but is none
STATUS = {
    "other_source": "found on another page of the sources, not the one cited",
    "not_found": "not found in the sources",
}


def answer_text(
    raw: str, sources: list[Evidence], turn: int, unverified: list[str] | None = None
) -> Text:
    """The answer with each [S3] shown as [DOC p.N], a link that opens the source viewer,
    typed look-alike citations marked, and each figure not found on its cited page
    highlighted."""
    text = Text()
    for segment in segments(clean(raw), sources):
        if segment.source is not None:
            action = f"screen.open_citation({turn}, {segment.source.number})"
            link = Style.parse(LINK) + Style(meta={"@click": action})
            text.append(clean(segment.readable), style=link)
        elif segment.kind == "lookalike":
            text.append(clean(segment.readable), style=LOOKALIKE)
        else:
            text.append(segment.text)
    if unverified:
        text.highlight_words([clean(u) for u in unverified], style=UNVERIFIED)
    return text


def unverified_text(turn: Answer) -> Text:
    """The figures and quotations of the answer its sources do not back, one per line."""
    text = Text()
    for figure in turn.unverified:
        what = "quote" if figure.kind == "quote" else "figure"
        status = STATUS.get(figure.status.value, figure.status.value)
        text.append_text(literal(f"\n⚠ unverified {what}: {figure.text} ({status})"))
    return text


def verdict_text(turn: Answer, index: int = 0) -> Text:
    """The answer's verdict, then each calculation with its status; the pages holding its
    operands are links that open the source viewer, as citations are."""
    text = literal(f"\nfigures: {turn.verdict.value}", "bold")
    by_label = {s.label: s for s in turn.sources}
    for calc in turn.calculations:
        mark = "✓" if calc.verified else "⚠"
        line = f"\n{mark} calculation {calc.status.value}: {calc.text}"
        if calc.status.value == "miscalculated":
            line += f" (recomputed: {calc.right})"
        text.append_text(literal(line, "" if calc.verified else UNVERIFIED))
        labels = sorted({label for o in calc.operands for label in o.found_in})
        for n, label in enumerate(labels):
            text.append(" operands on " if n == 0 else "; ")
            source = by_label.get(label)
            action = f"screen.open_citation({index}, {source.number})" if source else ""
            style = Style.parse(LINK) + Style(meta={"@click": action}) if action else ""
            text.append(clean(f"[{label}]"), style=style)
    return text


def second_opinion_text(turn: Answer, index: int = 0) -> Text:
    """The key figures table's value for each thing the question asks, beside the answer's:
    the table's page is a link to the page viewer; a mismatch is flagged."""
    text = Text()
    if not turn.second_opinion:
        return text
    text.append_text(literal("\nsecond opinion (key figures table):", "bold"))
    for n, opinion in enumerate(turn.second_opinion):
        differs = opinion.verdict == "differs"
        mark = {"agrees": "✓", "differs": "⚠ MISMATCH"}.get(opinion.verdict, "·")
        label = f' "{opinion.label}"' if opinion.label else ""
        head = f"\n{mark} {opinion.title}, {opinion.company} {opinion.period}: "
        text.append_text(
            literal(f"{head}table {opinion.shown_value}{label} ", UNVERIFIED if differs else "")
        )
        action = f"screen.open_figure_page({index}, {n})"
        link = Style.parse(LINK) + Style(meta={"@click": action})
        text.append(clean(f"[{opinion.document} p.{opinion.page + 1}]"), style=link)
        said = {
            "agrees": f" the answer agrees ({opinion.stated})",
            "differs": f" the answer says {opinion.stated}",
        }.get(opinion.verdict, " the answer states no figure for it")
        text.append_text(literal(said, UNVERIFIED if differs else ""))
        if opinion.calculation:
            text.append_text(literal(f"\n  {opinion.calculation}", "dim"))
    return text


def figures_text(turn: Answer, index: int = 0) -> Text:
    parts = [turn.model or "model ?", f"{turn.mode} mode"]
    parts.append(f"context {turn.context_tokens} tokens" if turn.context_tokens else "context —")
    if turn.context_window:
        parts.append(turn.context_window)
    parts.append(f"omitted {len(turn.omitted_sources)}")
    parts.append(f"TTFT {turn.ttft_s:.2f} s" if turn.ttft_s is not None else "TTFT —")
    parts.append(f"{turn.tokens_per_s:.1f} tok/s" if turn.tokens_per_s else "— tok/s")
    if turn.stop_reason and turn.stop_reason != "stop":
        parts.append(turn.stop_reason)
    text = literal(" · ".join(parts), "dim")
    if turn.omitted_sources:
        text.append_text(literal("\nomitted: " + "; ".join(turn.omitted_sources), "dim"))
    text.append_text(verdict_text(turn, index))
    text.append_text(unverified_text(turn))
    text.append_text(second_opinion_text(turn, index))
    return text


class TurnView(Vertical):
    DEFAULT_CSS = """
    TurnView { height: auto; margin: 0 0 1 0; }
    TurnView .question { color: $accent; text-style: bold; }
    TurnView Collapsible { padding: 0; margin: 0; border: none; }
    TurnView .reasoning { color: $text-muted; }
    TurnView .answer { padding: 0 0 0 2; }
    TurnView .figures { padding: 0 0 0 2; }
    """

    _keys = count()

    def __init__(
        self, turn: Answer, index: int, streaming: bool = False, reasoning_visible: bool = True
    ) -> None:
        super().__init__()
        self.turn = turn
        self.index = index  # its place in this conversation (citation links name it)
        self.key = next(self._keys)  # unique for the app's life: what worker messages name
        self.streaming = streaming
        self.reasoning_visible = reasoning_visible
        self.waiting = ""  # what a queued question waits for
        self._flagged: list[str] = []  # unverified figures of the closed claims so far
        self._redraw_pending = False
        # Its parts exist from the start, not from compose: an answer may finish before the
        # view (or the panel inside it) is composed, on a loaded machine, and is drawn then.
        self._reasoning = Static(literal(turn.reasoning), classes="reasoning")
        collapsed = turn.mode == "fast" or not streaming
        self._panel = Collapsible(
            self._reasoning, title="Reasoning", collapsed=collapsed, classes="reasoning-panel"
        )
        self._answer = Static(self._answer_renderable(), classes="answer")
        shown = figures_text(turn, index) if not streaming else ""
        self._figures = Static(shown, classes="figures")

    def compose(self) -> ComposeResult:
        yield Static(literal(f"› {self.turn.question}"), classes="question")
        yield self._panel
        yield self._answer
        yield self._figures

    def on_mount(self) -> None:
        self.show_reasoning_panel(self.reasoning_visible)

    def _answer_renderable(self) -> Text:
        """While streaming, no figure is checked here (that ran per token over every
        source, on the UI thread): the claims' checks arrive through `flag`, and the whole
        answer's is the finished `Answer`'s, computed once off this thread and cached."""
        if self.streaming and not self.turn.answer:
            return Text(self.waiting or "…", style="yellow" if self.waiting else "dim")
        flagged = self._flagged if self.streaming else [f.text for f in self.turn.unverified]
        return answer_text(self.turn.answer, self.turn.sources, self.index, flagged)

    def show_waiting(self, waiting: str) -> None:
        self.waiting = waiting
        self._redraw_answer()

    def flag(self, unverified: list[str]) -> None:
        if self.streaming and unverified != self._flagged:
            self._flagged = unverified
            self._redraw_answer()

    def _redraw_answer(self) -> None:
        self._answer.update(self._answer_renderable())

    def show_reasoning_panel(self, visible: bool) -> None:
        self.reasoning_visible = visible
        has_reasoning = bool(self.turn.reasoning) or (self.streaming and self.turn.mode != "fast")
        self._panel.display = visible and has_reasoning

    def add_answer(self, text: str) -> None:
        self.turn.answer += text
        self._redraw_soon()

    def add_reasoning(self, text: str) -> None:
        self.turn.reasoning += text
        self._redraw_soon()

    def _redraw_soon(self) -> None:
        """Tokens come faster than a screen needs them: the text is redrawn at most every
        REDRAW_S (a long answer re-rendered per token starves the keys)."""
        if not self._redraw_pending:
            self._redraw_pending = True
            self.set_timer(REDRAW_S, self._redraw_streamed)

    def _redraw_streamed(self) -> None:
        self._redraw_pending = False
        if not self.streaming:
            return  # `finish` drew the final text
        self._redraw_answer()
        self._reasoning.update(literal(self.turn.reasoning))
        self.show_reasoning_panel(self.reasoning_visible)

    def set_sources(self, sources: list[Evidence], omitted: list[str]) -> None:
        self.turn.sources = sources
        self.turn.omitted_sources = omitted

    def finish(self, turn: Answer) -> None:
        self.streaming = False
        self.turn = turn
        self._redraw_answer()
        self._reasoning.update(literal(turn.reasoning))
        self._figures.update(figures_text(turn, self.index))
        self.show_reasoning_panel(self.reasoning_visible)
