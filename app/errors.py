"""One error hierarchy and the exit codes the CLI documents."""

from __future__ import annotations

from enum import IntEnum

from ingestion.errors import IngestError
from model_runtime.errors import ModelError, SchemaError
from retrieval.errors import PromptTooLongError, RetrievalError
from retrieval.process_lock import LockBusyError
from retrieval.storage.errors import CatalogueBusyError


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # some work failed (e.g. files rejected); the rest was done
    USAGE = 2  # bad command line
    INPUT = 3  # missing or unreadable input file
    CONFIG = 4  # bad settings file or environment
    EMPTY = 5  # nothing to work on (e.g. `ask` with no documents)
    MODEL = 6  # model missing, corrupt, or the prompt does not fit
    BUSY = 7  # another process held the library past the wait (the message names it)
    INTERRUPTED = 130


class ArchivistError(Exception):
    """An error with a message meant for the user, and the exit code it maps to."""

    exit_code = ExitCode.FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(ArchivistError):
    exit_code = ExitCode.CONFIG


class InputError(ArchivistError):
    exit_code = ExitCode.INPUT


class EmptyWorkspaceError(ArchivistError):
    exit_code = ExitCode.EMPTY


class ModelUnavailableError(ArchivistError):
    exit_code = ExitCode.MODEL


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, ArchivistError):
        return exc.exit_code
    if isinstance(exc, IngestError | SchemaError):
        return ExitCode.INPUT
    if isinstance(exc, LockBusyError | CatalogueBusyError):
        return ExitCode.BUSY
    if isinstance(exc, ModelError | PromptTooLongError):
        return ExitCode.MODEL
    if isinstance(exc, RetrievalError):
        return ExitCode.INPUT
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.FAILURE


def user_message(exc: BaseException) -> str:
    if isinstance(exc, ArchivistError):
        return exc.message
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
