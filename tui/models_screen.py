"""Models: what is installed and verified, which one answers, what the hardware does;
switch model or import a GGUF file."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from app.errors import user_message
from app.services.desk_models import HardwareView, ModelView
from tui.messages import ModelsLoaded, ModelSwitched, WorkFailed
from tui.path_input import PathPrompt
from tui.safe import literal
from tui.state import DeskScreen

STATUS_STYLE = {"verified": "green"}


class ModelsScreen(DeskScreen):
    DEFAULT_CSS = """
    ModelsScreen #hardware { height: auto; padding: 0 1; background: $boost; }
    ModelsScreen #models { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter", "use", "Use model"),
        Binding("ctrl+o", "import_model", "Import GGUF"),
        Binding("ctrl+l", "reload", "Reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._models: list[ModelView] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text("Checking models…"), id="hardware")
        yield DataTable(id="models", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Models"
        table = self.query_one("#models", DataTable)
        table.add_columns("Active", "Name", "File", "Size (MB)", "Verification")
        self.set_focus(table)
        self.load_models()

    def action_reload(self) -> None:
        self.load_models()

    @work(thread=True, exclusive=True, exit_on_error=False, group="models")
    def load_models(self) -> None:
        try:
            models = self.desk.models()
            try:
                hardware: HardwareView | None = self.desk.hardware()
            except Exception:  # noqa: BLE001 - no llama.cpp build info is shown as unknown
                hardware = None
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.post_message(WorkFailed("models", user_message(exc)))
            return
        self.post_message(ModelsLoaded(models, hardware))

    def on_models_loaded(self, message: ModelsLoaded) -> None:
        self._models = message.models
        hw = message.hardware
        if hw is None:
            text = Text("llama.cpp build: unknown")
        else:
            context = f"{hw.context_length} tokens" if hw.context_length else "automatic"
            text = Text(
                f"llama.cpp build: {hw.backend} · GPU offload: {hw.offload} · "
                f"context length: {context} · threads: {hw.threads}"
            )
        self.query_one("#hardware", Static).update(text)
        table = self.query_one("#models", DataTable)
        keep = table.cursor_row
        table.clear()
        for m in self._models:
            table.add_row(
                Text("●", style="green") if m.active else "",
                literal(m.name),
                literal(m.file),
                f"{m.size_mb:.1f}",
                literal(m.status, STATUS_STYLE.get(m.status, "red")),
                key=m.name,
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    @on(DataTable.RowSelected, "#models")
    def _row_selected(self) -> None:
        self.action_use()

    def action_use(self) -> None:
        table = self.query_one("#models", DataTable)
        if not table.row_count:
            return
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.switch_model(name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="models")
    def switch_model(self, name: str) -> None:
        try:
            self.desk.use_model(name)  # waits for a running answer to finish
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.post_message(WorkFailed("switch model", user_message(exc)))
            return
        self.post_message(ModelSwitched(name))

    def on_model_switched(self, message: ModelSwitched) -> None:
        self.notify(f"Answering with {message.name}")
        self.load_models()

    def action_import_model(self) -> None:
        def chosen(path: Path | None) -> None:
            if path is not None:
                self.import_gguf(path)

        self.app.push_screen(PathPrompt("Import a GGUF model file"), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="models")
    def import_gguf(self, path: Path) -> None:
        try:
            view = self.desk.import_model(path)
        except Exception as exc:  # noqa: BLE001 - a notification, never a crash
            self.post_message(WorkFailed("import", user_message(exc)))
            return
        self.post_message(ModelsLoaded(self.desk.models(), self._hardware_or_none()))
        self.app.call_from_thread(self.notify, f"Imported {view.name} ({view.status})")

    def _hardware_or_none(self) -> HardwareView | None:
        try:
            return self.desk.hardware()
        except Exception:  # noqa: BLE001
            return None

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(f"{message.what}: {message.error}", severity="error")
