"""One error hierarchy and the exit codes the CLI documents.

Database errors arrive already in our words (`retrieval/storage/errors.py` translates them
where the catalogue opens its connection); here each kind of failure gets its exit code,
and an OS error its one line: a full disk, a read-only workspace.
"""

from __future__ import annotations

import errno
from enum import IntEnum

from ingestion.errors import IngestError
from model_runtime.errors import ModelError, SchemaError
from retrieval.disk_space import NoSpaceError
from retrieval.errors import PromptTooLongError, RetrievalError
from retrieval.process_lock import LockBusyError
from retrieval.storage.errors import CatalogueBusyError, CatalogueReadOnlyError


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # some work failed (e.g. files rejected); the rest was done
    USAGE = 2  # bad command line
    INPUT = 3  # missing or unreadable input file
    CONFIG = 4  # bad settings file or environment
    EMPTY = 5  # nothing to work on (e.g. `ask` with no documents)
    MODEL = 6  # model missing, corrupt, or the prompt does not fit
    NO_SPACE = 7  # the workspace's disk is full: free space and run the command again
    BUSY = 8  # another process held the library past the wait (the message names it)
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


READ_ONLY_MESSAGE = (
    "the workspace is read-only ({reason}): commands that only read (docs list, ask, "
    "doctor, eval) still work; give write access to change the library"
)


def read_only_error(exc: BaseException) -> bool:
    """A write refused because the workspace's file system or permissions forbid it."""
    if isinstance(exc, CatalogueReadOnlyError):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


def _no_space(exc: BaseException) -> bool:
    if isinstance(exc, NoSpaceError):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, ArchivistError):
        return exc.exit_code
    if _no_space(exc):
        return ExitCode.NO_SPACE
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
    if _no_space(exc) and not isinstance(exc, NoSpaceError):
        return "no space left on device: free some space and run the same command again"
    if isinstance(exc, OSError) and read_only_error(exc):
        reason = exc.strerror or str(exc)
        return READ_ONLY_MESSAGE.format(reason=reason)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
