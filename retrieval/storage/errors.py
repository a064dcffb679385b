"""The catalogue's failures in our words, translated where the database is opened.

`translate` listens on the engine (SQLAlchemy's `handle_error`), so every statement any
repository runs raises one of these instead of a driver's exception, and nothing above
the storage package needs to know which database or driver is underneath.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError

from retrieval.disk_space import NoSpaceError
from retrieval.errors import RetrievalError

CATALOGUE_FIX = (
    "restore catalogue.sqlite from a backup, or move it aside and run `archivist ingest` "
    "on the files again"
)
BUSY_WORDS = ("database is locked", "database table is locked", "busy")
READ_ONLY_WORDS = ("readonly database", "read-only file system")
FULL_WORDS = ("database or disk is full", "no space left on device")
UNREACHABLE_WORDS = (
    "connection refused",
    "could not connect",
    "connection failed",
    "timeout expired",
)
# psycopg's wording for the server it could not reach
_SERVER_AT = re.compile(r'server at "([^"]+)"(?: \([^)]*\))?, port (\d+)')


class CatalogueError(RetrievalError):
    """The catalogue could not do what was asked; the message says why and what to do."""


class CatalogueDamagedError(CatalogueError):
    """The catalogue cannot be read, or fails its integrity check: `doctor` says which."""


class CatalogueBusyError(CatalogueError):
    """Another process held the catalogue's write lock for longer than we wait."""


class CatalogueReadOnlyError(CatalogueError):
    """The workspace cannot be written (a read-only mount, a restored backup): reads work."""


class CatalogueUnreachableError(CatalogueError):
    """The catalogue's database server refused or never answered: nothing is damaged."""


def translate(engine: Engine) -> None:
    """Make every database error on `engine` one of ours."""
    event.listen(engine, "handle_error", _translate)


def _translate(context: ExceptionContext) -> None:
    original = context.sqlalchemy_exception
    if original is None or not isinstance(original, DatabaseError):
        return
    if isinstance(original, IntegrityError):
        return  # a row another process wrote first: the repository decides (not damage)
    reason = _reason(context.original_exception)
    lowered = reason.lower()
    if any(w in lowered for w in FULL_WORDS):
        raise NoSpaceError(
            0,
            0,
            f"no space left on device: the catalogue cannot grow ({reason}); free some space "
            "and run the same command again",
        ) from context.original_exception
    if any(w in lowered for w in READ_ONLY_WORDS):
        raise CatalogueReadOnlyError(
            f"the workspace is read-only ({reason}): commands that only read (docs list, "
            "ask, doctor, eval) still work; give write access to change the library"
        ) from context.original_exception
    if any(w in lowered for w in UNREACHABLE_WORDS):
        found = _SERVER_AT.search(str(context.original_exception))
        server = f"{found.group(1)}:{found.group(2)}" if found else "the configured server"
        raise CatalogueUnreachableError(
            f"cannot connect to the catalogue at {server}: is the database server running?"
        ) from context.original_exception
    if isinstance(original, OperationalError) and any(w in lowered for w in BUSY_WORDS):
        raise CatalogueBusyError(
            f"the catalogue is busy ({reason}): another archivist process is writing; "
            "try again when it finishes"
        ) from context.original_exception
    raise CatalogueDamagedError(
        f"the catalogue cannot be read ({reason}): run `archivist doctor` for the way out"
    ) from context.original_exception


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__
