"""Can the vector index be read back? Checked before answering, and by `doctor`.

The index is checked by reading a sample of it back (dense vectors through a
nearest-neighbour query, payloads of the points found, BM25 through a sparse query), which
finds a truncated vector file or an emptied payload file that counting points does not.
The catalogue's own check lives with it, in `retrieval.storage.checks`.
"""

from __future__ import annotations

import math

from retrieval.errors import RetrievalError
from retrieval.store import VectorStore

SAMPLE = 32
INDEX_FIX = "rebuild it from the catalogue: archivist reindex"


class IndexUnreadableError(RetrievalError):
    """The vector index cannot be read back; `archivist reindex` rebuilds it."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the index {reason}: {INDEX_FIX}")


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
    store: VectorStore, dimension: int, askable_documents: int, dense_points: int | None = None
) -> None:
    """Refuse to answer from an index that is unreadable, or empty while documents are
    askable (searchable or ready: questions run as soon as BM25 points exist)."""
    problem = index_problem(store, dimension, dense_points)
    if problem is None and askable_documents and store.count() == 0:
        problem = f"is empty but {askable_documents} document(s) are askable"
    if problem is not None:
        raise IndexUnreadableError(problem)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__
