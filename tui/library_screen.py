"""The library: every document with its metadata and status; add, remove, filter, and
pick the documents questions and summaries are scoped to."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from app.errors import user_message
from ingestion.records import DocumentMeta
from tui.bounded_input import BoundedInput
from tui.desk import DocumentInfo, FileProgress, period_shown
from tui.messages import FileIngested, IngestFinished, WorkFailed
from tui.path_input import PathPrompt
from tui.safe import literal
from tui.state import DeskScreen

STATUS_STYLE = {"ready": "green", "searchable": "cyan", "ingesting": "yellow", "rejected": "red"}
ASKABLE = ("ready", "searchable")  # searchable: BM25 now, dense vectors still being computed
POLL_S = 2.0  # how often an idle library list looks for another process's changes
COLUMNS = ("✓", "Document", "Company", "Form", "Period", "Pages", "Chunks", "Status")


class LibraryScreen(DeskScreen):
    DEFAULT_CSS = """
    LibraryScreen #filter { dock: top; }
    LibraryScreen #documents { height: 1fr; }
    LibraryScreen #detail { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    LibraryScreen #progress { height: auto; max-height: 6; padding: 0 1;
        border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("enter", "toggle_scope", "Select", show=True),
        Binding("ctrl+o", "add", "Add file/folder"),
        Binding("f8", "remove", "Remove"),
        Binding("ctrl+l", "clear_scope", "Select none"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[DocumentInfo] = []
        self._signature: tuple[int, ...] | None = None
        self._progress_lines: list[Text] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield BoundedInput(
            placeholder="Type to filter by name, company, form or period", id="filter"
        )
        yield DataTable(id="documents", cursor_type="row", zebra_stripes=True)
        yield Static(id="detail")
        yield Static(id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Library"
        table = self.query_one("#documents", DataTable)
        table.add_columns(*COLUMNS)
        self.query_one("#progress", Static).display = False
        self.refresh_documents()
        self.set_focus(self.query_one("#filter", Input))  # at once: keys typed ahead land
        self.set_interval(POLL_S, self._poll_catalogue)

    def on_screen_resume(self) -> None:
        self.refresh_documents()

    # ---- the table ------------------------------------------------------------------------
    def refresh_documents(self) -> None:
        self._signature = self.desk.library_signature()
        self._entries = self.desk.documents()
        self._fill_table()

    def _poll_catalogue(self) -> None:
        """Another process (`archivist ingest`, `docs rm`) may have changed the library:
        while this screen shows, a stat of the catalogue's files says whether to reload."""
        if not self.is_current:
            return
        signature = self.desk.library_signature()
        if signature is None or signature != self._signature:
            entries = self.desk.documents()
            self._signature = signature
            if entries != self._entries:
                self._entries = entries
                self._fill_table()

    def _visible(self) -> list[DocumentInfo]:
        needle = self.query_one("#filter", Input).value.strip().lower()
        if not needle:
            return self._entries
        return [
            e
            for e in self._entries
            if needle in " ".join((e.name, *_shown(e.meta), e.status)).lower()
        ]

    def _fill_table(self) -> None:
        table = self.query_one("#documents", DataTable)
        keep = self._cursor_id()
        table.clear()
        for e in self._visible():
            status = e.status if e.status != "rejected" else f"rejected: {e.reason}"
            table.add_row(
                "●" if e.id in self.state.scope else " ",
                literal(e.name),
                *(literal(value or "—") for value in _shown(e.meta)),
                str(e.page_count),
                str(e.chunk_count),
                literal(status[:60], STATUS_STYLE.get(e.status, "")),
                key=e.id,
            )
        if keep is not None and keep in {e.id for e in self._visible()}:
            table.move_cursor(row=table.get_row_index(keep))
        self._show_header()
        self._show_detail()

    def _cursor_id(self) -> str | None:
        table = self.query_one("#documents", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _show_header(self) -> None:
        ready = sum(1 for e in self._entries if e.status == "ready")
        scope = f"{len(self.state.scope)} selected" if self.state.scope else "all documents"
        self.sub_title = f"Library · {ready} ready of {len(self._entries)} · scope: {scope}"

    def _show_detail(self) -> None:
        entry = self._entry_at_cursor()
        detail = self.query_one("#detail", Static)
        if entry is None:
            detail.update(
                Text("The library is empty: press Ctrl+O to add a file or folder.")
                if not self._entries
                else Text("No document matches the filter.")
            )
            return
        self.state.current_document = entry.id if entry.status == "ready" else None
        text = literal(entry.path)
        if entry.reason:
            text.append("\n")
            text.append_text(literal(f"{entry.status}: {entry.reason}", "red"))
        detail.update(text)

    def _entry_at_cursor(self) -> DocumentInfo | None:
        key = self._cursor_id()
        return next((e for e in self._entries if e.id == key), None)

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._fill_table()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_detail()

    @on(Input.Submitted, "#filter")
    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_toggle_scope()

    # ---- actions --------------------------------------------------------------------------
    def action_cursor(self, step: int) -> None:
        table = self.query_one("#documents", DataTable)
        if table.row_count:
            row = max(0, min(table.row_count - 1, table.cursor_row + step))
            table.move_cursor(row=row)

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""

    def action_toggle_scope(self) -> None:
        entry = self._entry_at_cursor()
        if entry is None:
            return
        if entry.status not in ASKABLE:
            self.notify(
                f"{entry.name} is {entry.status}; "
                "only ready or searchable documents can be selected"
            )
            return
        self.state.scope ^= {entry.id}
        self._fill_table()

    def action_clear_scope(self) -> None:
        self.state.scope.clear()
        self._fill_table()

    def action_add(self) -> None:
        def chosen(path: Path | None) -> None:
            if path is not None:
                self._progress_lines = []
                self.ingest_paths([path])

        self.app.push_screen(PathPrompt("Add a file or folder to the library"), chosen)

    def action_remove(self) -> None:
        entry = self._entry_at_cursor()
        if entry is None:
            return
        try:
            self.desk.remove(entry.id)
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.notify(user_message(exc), severity="error")
            return
        self.state.scope.discard(entry.id)
        self.notify(Text(f"Removed {entry.name}").plain)
        self.refresh_documents()

    # ---- ingestion on the desk's thread ----------------------------------------------------
    def ingest_paths(self, paths: list[Path]) -> None:
        """On the desk's daemon thread, not a Textual worker: the app waits for those when
        it exits, and an ingest may take minutes."""
        self.desk.ingests.ingest_in_background(
            paths,
            on_file=lambda p: self.post_message(FileIngested(p)),
            on_done=lambda outcomes: self.post_message(IngestFinished(outcomes)),
            on_error=lambda exc: self.post_message(WorkFailed("ingest", user_message(exc))),
        )

    def on_file_ingested(self, message: FileIngested) -> None:
        self._log_progress(message.progress)
        self.refresh_documents()

    def on_ingest_finished(self, message: IngestFinished) -> None:
        counts: dict[str, int] = {}
        for outcome in message.outcomes:
            counts[outcome.state] = counts.get(outcome.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        self.notify(f"Ingestion finished: {summary}")
        self.refresh_documents()

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(f"{message.what}: {message.error}", severity="error")

    def _log_progress(self, progress: FileProgress) -> None:
        line = literal(
            f"[{progress.number}/{progress.total}] {progress.state:<9} {Path(progress.path).name}"
            + (f"  ({progress.detail})" if progress.detail else ""),
            STATUS_STYLE.get(
                {"ingested": "ready", "skipped": "ready"}.get(progress.state, progress.state), ""
            ),
        )
        self._progress_lines.append(line)
        widget = self.query_one("#progress", Static)
        widget.display = True
        widget.update(Text("\n").join(self._progress_lines[-5:]))


def _shown(meta: DocumentMeta) -> tuple[str, str, str]:
    """The company, form and period columns."""
    return meta.company, meta.form_type, period_shown(meta)
