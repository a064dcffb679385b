"""The source viewer: the cited page's text with the cited passage highlighted; step to
the next or previous page of the same document."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from tui.desk import Evidence, PageView
from tui.safe import literal
from tui.state import DeskScreen

HIGHLIGHT = "bold black on yellow"


def page_text(page: PageView, source: Evidence | None) -> Text:
    """The page, with the passage highlighted when this is the page it was cited on."""
    if source is None or source.passage is None or source.passage[0] != page.index:
        return literal(page.text)
    _, first, last = source.passage
    start = max(0, min(first, len(page.text)))
    end = max(start, min(last, len(page.text)))
    text = literal(page.text[:start])
    text.append_text(literal(page.text[start:end], HIGHLIGHT))
    text.append_text(literal(page.text[end:]))
    return text


class SourceScreen(DeskScreen):
    DEFAULT_CSS = """
    SourceScreen #page-title { height: 1; padding: 0 1; background: $boost; }
    SourceScreen #page-scroll { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("right,n,pagedown", "page(1)", "Next page"),
        Binding("left,p,pageup", "page(-1)", "Previous page"),
    ]

    def __init__(self, source: Evidence) -> None:
        super().__init__()
        self.source = source
        self.page_index = source.passage[0] if source.passage else source.page
        self.page: PageView | None = None
        self.shown = Text()  # what the page area shows, for tests and snapshots

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(id="page-title")
        with VerticalScroll(id="page-scroll"):
            yield Static(id="page-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Source"
        self._show(self.page_index)
        self.set_focus(self.query_one("#page-scroll"))

    def _show(self, index: int) -> None:
        page = self.desk.page(self.source.document_id, index)
        if page is None:
            if self.page is None:
                self.query_one("#page-text", Static).update(
                    Text("This page is no longer in the library (the document was removed).")
                )
            return
        self.page, self.page_index = page, index
        title = literal(f"{page.document_name} — page {index + 1} of {page.page_count}")
        if page.label and page.label != str(index + 1):
            title.append_text(literal(f" (printed {page.label})"))
        if self.source.passage is not None and index == self.source.passage[0]:
            title.append("   cited passage highlighted", style="yellow")
        self.query_one("#page-title", Static).update(title)
        self.shown = page_text(page, self.source)
        self.query_one("#page-text", Static).update(self.shown)
        scroll = self.query_one("#page-scroll", VerticalScroll)
        scroll.scroll_home(animate=False)

    def action_page(self, step: int) -> None:
        self._show(self.page_index + step)

    def action_close(self) -> None:
        self.app.pop_screen()
