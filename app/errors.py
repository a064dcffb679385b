"""One error hierarchy and the exit codes the CLI documents."""

from __future__ import annotations

import errno
import re
import sys
from enum import IntEnum

from ingestion.errors import IngestError
from model_runtime.errors import ModelError, SchemaError
from retrieval.disk_space import NoSpaceError
from retrieval.errors import PromptTooLongError, RetrievalError


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # some work failed (e.g. files rejected); the rest was done
    USAGE = 2  # bad command line
    INPUT = 3  # missing or unreadable input file
    CONFIG = 4  # bad settings file or environment
    EMPTY = 5  # nothing to work on (e.g. `ask` with no documents)
    MODEL = 6  # model missing, corrupt, or the prompt does not fit
    NO_SPACE = 7  # the workspace's disk is full: free space and run the command again
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


def _catalogue_error(exc: BaseException) -> bool:
    """A database error from SQLAlchemy or sqlite3, without importing either here."""
    return any(
        module is not None and isinstance(exc, module.DatabaseError)
        for module in (sys.modules.get("sqlalchemy.exc"), sys.modules.get("sqlite3"))
    )


# A catalogue server that cannot be reached: psycopg's and the driver-neutral wording.
_SERVER_AT = re.compile(r'server at "([^"]+)"(?: \([^)]*\))?, port (\d+)')
_UNREACHABLE = ("connection refused", "could not connect", "connection failed", "timeout expired")
_READ_ONLY = ("readonly database", "read-only file system", "unable to open database file")
READ_ONLY_MESSAGE = (
    "the workspace is read-only ({reason}): commands that only read (docs list, ask, "
    "doctor, eval) still work; give write access to change the library"
)


def read_only_error(exc: BaseException) -> bool:
    """A write refused because the workspace's file system or permissions forbid it."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    reason = str(getattr(exc, "orig", None) or exc).lower()
    return _catalogue_error(exc) and any(text in reason for text in _READ_ONLY[:2])


def _unreachable_server(exc: BaseException) -> str | None:
    """HOST:PORT of a catalogue server that refused or never answered, else None."""
    reason = str(getattr(exc, "orig", None) or exc)
    if not any(text in reason.lower() for text in _UNREACHABLE):
        return None
    found = _SERVER_AT.search(reason)
    return f"{found.group(1)}:{found.group(2)}" if found else "the configured server"


def _no_space(exc: BaseException) -> bool:
    """The index's own check, an OSError, or SQLite's "database or disk is full"."""
    if isinstance(exc, NoSpaceError):
        return True
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return _catalogue_error(exc) and "disk is full" in str(getattr(exc, "orig", None) or exc)


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, ArchivistError):
        return exc.exit_code
    if _no_space(exc):
        return ExitCode.NO_SPACE
    if _catalogue_error(exc):
        return ExitCode.INPUT
    if isinstance(exc, IngestError | SchemaError):
        return ExitCode.INPUT
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
    if _catalogue_error(exc) and (server := _unreachable_server(exc)) is not None:
        return f"cannot connect to the catalogue at {server}: is the database server running?"
    if read_only_error(exc):
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
        return READ_ONLY_MESSAGE.format(reason=reason)
    if _catalogue_error(exc):
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or ["unreadable"])[0]
        return f"the catalogue cannot be read ({reason}): run `archivist doctor` for the way out"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
