"""Can the catalogue and the index be read? Checked before a repair, and by `doctor`.

A repair that starts on a damaged catalogue makes things worse: `reindex` once flipped every
document to `indexing`, failed on the damaged page and left the library reading as empty.
So `reindex` and `ingest` first ask SQLite's own `PRAGMA integrity_check` and refuse,
changing nothing, when it is not "ok". The index is checked by reading a sample of it back
(dense vectors through a nearest-neighbour query, payloads of the points found, BM25 through
a sparse query), which finds a truncated vector file or an emptied payload file that
counting points does not.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sqlalchemy import text

from retrieval.errors import RetrievalError
from retrieval.store import VectorStore

if TYPE_CHECKING:
    from retrieval.catalogue import Catalogue

SAMPLE = 32
CATALOGUE_FIX = (
    "restore catalogue.sqlite from a backup, or move it aside and run `archivist ingest` "
    "on the files again"
)
INDEX_FIX = "rebuild it from the catalogue: archivist reindex"


class CatalogueDamagedError(RetrievalError):
    """The catalogue fails its integrity check; nothing was changed."""


class IndexUnreadableError(RetrievalError):
    """The vector index cannot be read back; `archivist reindex` rebuilds it."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the index {reason}: {INDEX_FIX}")


def catalogue_verdict(catalogue: Catalogue) -> str:
    """ "ok", or what is wrong with the catalogue (never raises)."""
    try:
        engine = catalogue.engine
        with engine.connect() as connection:
            if engine.dialect.name != "sqlite":
                connection.execute(text("SELECT 1"))
                return "ok"
            rows = connection.execute(text("PRAGMA integrity_check(3)")).scalars().all()
    except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
        return _first_line(exc)
    verdict = "; ".join(str(r) for r in rows)
    return "ok" if verdict == "ok" else verdict


def require_sound_catalogue(catalogue: Catalogue, action: str) -> None:
    """Refuse `action` on a catalogue that fails its integrity check."""
    verdict = catalogue_verdict(catalogue)
    if verdict != "ok":
        raise CatalogueDamagedError(
            f"refusing to {action}: the catalogue is damaged ({verdict[:160]}); nothing was "
            f"changed; {CATALOGUE_FIX}"
        )


def index_problem(
    store: VectorStore, dimension: int, dense_points: int | None = None
) -> str | None:
    """None when a sample of the index reads back whole, else what failed (never raises).

    `dense_points`: how many points should carry a dense vector (the chunks of ready
    documents; a `searchable` document's points have only BM25 so far), default all.
    An empty index reads back whole; whether it should be empty is the caller's question.
    """
    probe = [1.0 / math.sqrt(dimension)] * dimension
    try:
        count = store.count()
        if count == 0:
            return None
        limit = min(SAMPLE, count if dense_points is None else dense_points)
        hits = store.search(probe, limit) if limit else []
        sparse = store.sparse_search("the", min(SAMPLE, count))
    except IndexUnreadableError as exc:
        return exc.reason
    except Exception as exc:  # noqa: BLE001 - the engine's own error is the finding
        return f"cannot be read ({_first_line(exc)})"
    if len(hits) < limit:
        return f"returned {len(hits)} of {limit} sampled vectors"
    broken = [h for h in hits + sparse if not isinstance(h.payload.get("document_id"), str)]
    if broken or any(not math.isfinite(h.score) for h in hits):
        return f"{len(broken)} of {len(hits) + len(sparse)} sampled points lost their payload"
    return None


def require_readable_index(
    store: VectorStore, dimension: int, ready_documents: int, dense_points: int | None = None
) -> None:
    """Refuse to answer from an index that is unreadable, or empty while documents are ready."""
    problem = index_problem(store, dimension, dense_points)
    if problem is None and ready_documents and store.count() == 0:
        problem = f"is empty but {ready_documents} document(s) are ready"
    if problem is not None:
        raise IndexUnreadableError(problem)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__
