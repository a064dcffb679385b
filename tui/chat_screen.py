"""The chat: ask the library (or the selected documents), watch the answer stream, open the
pages it cites. Each question is a job of the desk's one model queue (it may wait behind a
summary, and says so); Esc stops the running job at the next token."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from app.errors import user_message
from tui.bounded_input import BoundedInput
from tui.desk import (
    Answer,
    AnswerDelta,
    AskEvent,
    AskStarted,
    Evidence,
    Job,
    Mode,
    ReasoningDelta,
)
from tui.messages import (
    AnswerFinished,
    AnswerStarted,
    AnswerStreamed,
    FiguresChecked,
    ReasoningStreamed,
    WorkFailed,
)
from tui.safe import literal
from tui.source_screen import SourceScreen
from tui.state import DeskScreen
from tui.turn_view import TurnView


class ChatScreen(DeskScreen):
    DEFAULT_CSS = """
    ChatScreen #chat-status { height: 1; padding: 0 1; background: $boost; }
    ChatScreen #transcript { height: 1fr; padding: 0 1; }
    ChatScreen #citations { height: auto; max-height: 7; border: round $primary; }
    ChatScreen #question { dock: bottom; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("ctrl+t", "toggle_mode", "Thinking/fast"),
        Binding("ctrl+r", "toggle_reasoning", "Show/hide reasoning"),
        Binding("escape", "cancel", "Cancel answer"),
        Binding("ctrl+n", "new_conversation", "New chat"),
        Binding("ctrl+g", "focus_citations", "Citations"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._turns: list[TurnView] = []
        self._streaming: dict[int, TurnView] = {}  # by view key: late messages find no view
        self._current: TurnView | None = None
        self._job: Job | None = None  # the newest question's place in the model queue

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(id="chat-status")
        yield VerticalScroll(id="transcript")
        yield OptionList(id="citations")
        yield BoundedInput(
            placeholder="Ask a question and press Enter (Ctrl+T: thinking/fast)", id="question"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Chat"
        self.query_one("#citations", OptionList).display = False
        transcript = self.query_one("#transcript", VerticalScroll)
        for turn in self.desk.history.turns():
            view = TurnView(turn, len(self._turns), reasoning_visible=self.state.show_reasoning)
            self._turns.append(view)
            transcript.mount(view)
        if self._turns:
            self._show_citations(self._turns[-1])
            transcript.scroll_end(animate=False)
        self.set_focus(self.query_one("#question", Input))  # at once: keys typed ahead land
        self.set_interval(0.25, self._show_waiting)

    def on_screen_resume(self) -> None:
        self._show_status()

    @property
    def generating(self) -> bool:
        return self._current is not None

    def _show_status(self) -> None:
        mode = self.state.mode
        text = Text()
        text.append(" THINKING " if mode == Mode.THINKING else " FAST ", style="reverse bold")
        text.append("  Ctrl+T switches   ")
        scope = self.state.scope
        text.append(f"Scope: {len(scope)} selected" if scope else "Scope: all documents")
        text.append("   Model: ")
        text.append_text(literal(self.desk.active_model_name()))
        waiting = self._waiting_for() if self.generating else ""
        if waiting:
            text.append("   " + waiting, style="yellow")
        elif self.generating:
            text.append("   generating… Esc cancels", style="yellow")
        self.query_one("#chat-status", Static).update(text)

    # ---- asking ---------------------------------------------------------------------------
    @on(Input.Submitted, "#question")
    def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        event.input.value = ""
        self.ask(question)

    def ask(self, question: str) -> None:
        if self._job is not None:
            self.desk.runner.cancel(self._job)  # an answer running stops at its next token
        mode = self.state.mode
        turn = Answer(question=question, mode=mode.value, model=self.desk.active_model_name())
        view = TurnView(turn, len(self._turns), streaming=True)
        view.reasoning_visible = self.state.show_reasoning
        key = view.key
        self._turns.append(view)
        self._streaming[key] = view
        self._current = view
        transcript = self.query_one("#transcript", VerticalScroll)
        transcript.mount(view)
        transcript.scroll_end(animate=False)
        self._job = self.desk.queue_answer(
            question,
            mode,
            sorted(self.state.scope),
            report=lambda event: self._report(event, key),
            on_figures=lambda upto, flagged: self.post_message(FiguresChecked(flagged, upto, key)),
            on_error=lambda exc: self.post_message(WorkFailed("answer", user_message(exc), key)),
        )
        self._show_waiting()

    def _report(self, event: AskEvent, view: int) -> None:
        """On the model runner's thread: each event becomes a message for the UI thread."""
        if isinstance(event, AskStarted):
            self.post_message(AnswerStarted(event.sources, event.omitted, view))
        elif isinstance(event, AnswerDelta):
            self.post_message(AnswerStreamed(event.text, view))
        elif isinstance(event, ReasoningDelta):
            self.post_message(ReasoningStreamed(event.text, view))
        elif isinstance(event, Answer):
            self.post_message(AnswerFinished(event, view))

    def _waiting_for(self) -> str:
        """'waiting for the summary (step 3 of 7) - Esc to cancel it' while the question
        is queued behind other model work, else ''."""
        job = self._job
        ahead = self.desk.runner.ahead_of(job) if job is not None else None
        return f"waiting for {ahead.describe()} - Esc to cancel it" if ahead else ""

    def _show_waiting(self) -> None:
        if self._current is None or not self._current.streaming:
            return
        waiting = self._waiting_for()
        if waiting != self._current.waiting:
            self._current.show_waiting(waiting)
            self._show_status()

    def _view(self, key: int) -> TurnView | None:
        return self._streaming.get(key)

    def _done(self, view: TurnView) -> None:
        self._streaming.pop(view.key, None)
        if view is self._current:
            self._current = None
            self._job = None

    def on_answer_started(self, message: AnswerStarted) -> None:
        if view := self._view(message.view):
            view.show_waiting("")
            view.set_sources(message.sources, message.omitted)
            self._show_status()

    def on_answer_streamed(self, message: AnswerStreamed) -> None:
        if view := self._view(message.view):
            view.add_answer(message.text)
            self._follow()

    def on_reasoning_streamed(self, message: ReasoningStreamed) -> None:
        if view := self._view(message.view):
            view.add_reasoning(message.text)
            self._follow()

    def on_figures_checked(self, message: FiguresChecked) -> None:
        if view := self._view(message.view):
            view.flag(message.unverified)

    def on_answer_finished(self, message: AnswerFinished) -> None:
        view = self._view(message.view)
        if view is None:
            return
        view.finish(message.turn)
        self._done(view)
        self._show_citations(view)
        self._show_status()
        self._follow()

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(f"{message.what}: {message.error}", severity="error")
        view = self._view(message.view if message.view is not None else -1)
        if view is not None:
            view.turn.stop_reason = "error"
            view.finish(view.turn)
            self._done(view)
        self._show_status()

    def _follow(self) -> None:
        transcript = self.query_one("#transcript", VerticalScroll)
        if transcript.scroll_y >= transcript.max_scroll_y - 3:
            transcript.scroll_end(animate=False)

    # ---- citations ------------------------------------------------------------------------
    def _show_citations(self, view: TurnView) -> None:
        options = self.query_one("#citations", OptionList)
        options.clear_options()
        cited = _cited_numbers(view.turn)
        for source in view.turn.sources:
            if source.number in cited:
                options.add_option(
                    Option(
                        literal(f"[{source.label}]  {source.text[:90]}"),
                        id=f"{view.index}:{source.number}",
                    )
                )
        options.display = options.option_count > 0
        options.border_title = "Citations (Ctrl+G, Enter opens)"

    @on(OptionList.OptionSelected, "#citations")
    def _citation_chosen(self, event: OptionList.OptionSelected) -> None:
        turn, number = str(event.option.id).split(":")
        self.action_open_citation(int(turn), int(number))

    def action_open_citation(self, turn: int, number: int) -> None:
        if not 0 <= turn < len(self._turns):
            return
        source = next((s for s in self._turns[turn].turn.sources if s.number == number), None)
        if source is not None:
            self.app.push_screen(SourceScreen(source))

    def action_open_figure_page(self, turn: int, number: int) -> None:
        """The page of the key figures table a second opinion cites."""
        if not 0 <= turn < len(self._turns):
            return
        opinions = self._turns[turn].turn.second_opinion
        if 0 <= number < len(opinions):
            opinion = opinions[number]
            page = Evidence(opinion.document_id, opinion.document, opinion.page, opinion.page)
            self.app.push_screen(SourceScreen(page))

    def action_focus_citations(self) -> None:
        options = self.query_one("#citations", OptionList)
        if options.display:
            # at once, not after the keys already read: on a busy machine Ctrl+G and Enter
            # arrive together and the Enter must open the citation, not reach the question box
            self.set_focus(options)
            if options.highlighted is None:
                options.highlighted = 0

    # ---- switches -------------------------------------------------------------------------
    def action_toggle_mode(self) -> None:
        self.state.mode = Mode.FAST if self.state.mode == Mode.THINKING else Mode.THINKING
        self.notify(f"{self.state.mode.value} mode", timeout=1.5)
        self._show_status()

    def action_toggle_reasoning(self) -> None:
        self.state.show_reasoning = not self.state.show_reasoning
        for view in self._turns:
            view.show_reasoning_panel(self.state.show_reasoning)

    def action_cancel(self) -> None:
        """Esc stops whichever model job is running (this answer, or the summary it waits
        for) within one token."""
        running = self.desk.runner.cancel_running()
        if running is not None:
            self.notify(f"cancelling {running.describe()}…", timeout=1.5)
        elif self.focused is not (question := self.query_one("#question", Input)):
            self.set_focus(question)  # at once: the keys typed next go to the question

    def action_new_conversation(self) -> None:
        """An empty chat: the answer being written is cancelled, and neither it nor any
        late word of it reaches the new conversation."""
        if self._job is not None:
            self.desk.runner.cancel(self._job)
        self.desk.new_conversation()
        for view in self._turns:
            view.remove()
        self._turns.clear()
        self._streaming.clear()
        self._current = None
        self._job = None
        self._show_citations_clear()
        self._show_status()

    def _show_citations_clear(self) -> None:
        options = self.query_one("#citations", OptionList)
        options.clear_options()
        options.display = False


def _cited_numbers(turn: Answer) -> set[int]:
    """The sources the answer cites; when it cites none, all it was given (as `ask` does)."""
    return {c.source.number for c in turn.citations}
