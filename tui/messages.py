"""What workers report back to screens: past-tense Messages, posted from worker threads
(post_message is thread-safe), handled on the UI thread."""

from __future__ import annotations

from textual.message import Message

from app.services.desk_models import HardwareView, ModelView
from tui.desk import Answer, Evidence, FileProgress, SummaryOutcome


class WorkFailed(Message):
    def __init__(self, what: str, error: str, view: int | None = None) -> None:
        super().__init__()
        self.what = what
        self.error = error
        self.view = view


class AnswerStarted(Message):
    def __init__(self, sources: list[Evidence], omitted: list[str], view: int) -> None:
        super().__init__()
        self.view = view  # which TurnView: an older, cancelled answer may still report
        self.sources = sources
        self.omitted = omitted


class AnswerStreamed(Message):
    def __init__(self, text: str, view: int) -> None:
        super().__init__()
        self.view = view  # which TurnView: an older, cancelled answer may still report
        self.text = text


class ReasoningStreamed(Message):
    def __init__(self, text: str, view: int) -> None:
        super().__init__()
        self.view = view  # which TurnView: an older, cancelled answer may still report
        self.text = text


class AnswerFinished(Message):
    def __init__(self, turn: Answer, view: int) -> None:
        super().__init__()
        self.view = view  # which TurnView: an older, cancelled answer may still report
        self.turn = turn


class FiguresChecked(Message):
    """The figures of the answer's closed claims (its first `upto` characters) were
    checked; `unverified` are the ones its sources do not back."""

    def __init__(self, unverified: list[str], upto: int, view: int) -> None:
        super().__init__()
        self.view = view
        self.unverified = unverified
        self.upto = upto


class FileIngested(Message):
    """A file started or finished ingesting."""

    def __init__(self, progress: FileProgress) -> None:
        super().__init__()
        self.progress = progress


class IngestFinished(Message):
    def __init__(self, outcomes: list[FileProgress]) -> None:
        super().__init__()
        self.outcomes = outcomes


class SummaryStepped(Message):
    def __init__(self, step: str, text: str) -> None:
        super().__init__()
        self.step = step
        self.text = text


class SummaryProgressed(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class SummaryFinished(Message):
    def __init__(self, outcome: SummaryOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class ModelsLoaded(Message):
    def __init__(self, models: list[ModelView], hardware: HardwareView | None) -> None:
        super().__init__()
        self.models = models
        self.hardware = hardware


class ModelSwitched(Message):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
