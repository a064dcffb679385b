"""Qdrant Edge, the embedded default vector store; the only module importing `qdrant_edge`."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qdrant_edge import (
    Bm25,
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    FacetRequest,
    FieldCondition,
    Filter,
    MatchAny,
    MatchValue,
    Modifier,
    PayloadSchemaType,
    Point,
    Prefetch,
    Query,
    QueryRequest,
    UpdateOperation,
)
from qdrant_edge import Fusion as EdgeFusion

from retrieval.disk_space import require_space_for, space_error
from retrieval.integrity import IndexUnreadableError
from retrieval.process_lock import LockBusyError, ProcessLock, Waiting
from retrieval.store import (
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    Fusion,
    Hit,
    IndexedPoint,
)

FACET_LIMIT = 1_000_000


def build_filter(document_ids: list[str] | None) -> Filter | None:
    if not document_ids:
        return None
    return Filter(must=[FieldCondition(key="document_id", match=MatchAny(any=document_ids))])


LOCK_WAIT_S = 600.0  # how long an operation waits for another process's turn
LINGER_S = 2.0  # an idle shard stays open this long, unless another process asks for it
WATCH_S = 0.05
CLOSE_WAIT_S = 1.0


class EdgeStore:
    """The index in `folder`, shared with other processes by taking turns.

    A Qdrant Edge shard may be open in one process at a time (a second opener gets
    `WouldBlock`), and the TUI, CLI commands and batch jobs share a workspace. So the shard
    is opened under the index lock (`<folder>.lock`, which names its holder) for a
    `session` of operations, and given back when it ends. Loading and closing a shard
    costs ~0.3-0.9 s on 2 cores (bench/RESULTS.md), so an idle shard lingers open for
    `LINGER_S` in case this process needs it again (a question's next read, an ingest's
    next batch), and is closed at once when another process asks for it: a waiter touches
    `<folder>.lock.want`, which the lingering holder watches.
    """

    def __init__(
        self,
        folder: Path,
        dimension: int,
        wait_s: float = LOCK_WAIT_S,
        waiting: Waiting | None = None,
        linger_s: float = LINGER_S,
    ) -> None:
        self.folder = folder
        self._config = EdgeConfig(
            vectors={DENSE: EdgeVectorParams(size=dimension, distance=Distance.Cosine)},
            sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)},
        )
        self.lock = ProcessLock(folder.with_name(folder.name + ".lock"), "the index")
        self.wait_s = wait_s
        self.waiting = waiting
        self.linger_s = linger_s
        self._open: Any = None
        self._active = 0  # sessions running now (threads of this process)
        self._idle_since = 0.0
        self._watcher: threading.Thread | None = None
        self._bm25 = Bm25()

    @contextmanager
    def session(self) -> Iterator[Any]:
        """The shard, open for the duration (re-entrant and thread-safe)."""
        with self.lock.held(self.wait_s, self.waiting):
            if self._open is None:
                self._open = self._load()
                self.lock.pin(True)  # the file lock stays with the open shard
            self._active += 1
            try:
                yield self._open
            finally:
                self._active -= 1
                if self._active == 0:
                    self._idle_since = time.monotonic()
                    if self.linger_s <= 0 or self.lock.wanted():
                        self._give_back()
                    else:
                        self._watch()

    def _watch(self) -> None:
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(target=self._linger, daemon=True)
            self._watcher.start()

    def _linger(self) -> None:
        """Close an idle shard when another process wants it or when the linger is over."""
        while True:
            time.sleep(WATCH_S)
            with self.lock.held(self.wait_s):
                if self._open is None or self._active:
                    return
                over = time.monotonic() - self._idle_since >= self.linger_s
                if over or self.lock.wanted():
                    self._give_back()
                    return

    def _give_back(self) -> None:
        """Close the shard; the file lock goes with the caller's release of the lock."""
        shard, self._open = self._open, None
        self.lock.pin(False)
        try:
            shard.close()  # flushes
        except Exception as exc:  # noqa: BLE001 - the engine raises its own types
            raise _unreadable(exc) from exc

    def _load(self) -> Any:
        folder = self.folder
        if (folder / "edge_config.json").exists() or any(folder.glob("segments*")):
            return self._read(EdgeShard.load, str(folder))
        folder.mkdir(parents=True, exist_ok=True)
        shard = EdgeShard.create(str(folder), self._config)
        for name in KEYWORD_FIELDS:
            shard.update(UpdateOperation.create_field_index(name, PayloadSchemaType.Keyword))
        for name in INTEGER_FIELDS:
            shard.update(UpdateOperation.create_field_index(name, PayloadSchemaType.Integer))
        return shard

    def upsert(self, points: list[IndexedPoint]) -> None:
        if not points:
            return
        require_space_for(self.folder, points)  # a full disk is SIGBUS in the mmap, later
        edge_points = [Point(id=p.id, vector=self._vectors(p), payload=p.payload) for p in points]
        try:
            with self.session() as shard:
                shard.update(UpdateOperation.upsert_points(edge_points))
                shard.flush()
        except Exception as exc:
            full = space_error(exc, self.folder)
            if full is None:
                raise
            raise full from exc

    def _vectors(self, point: IndexedPoint) -> dict[str, Any]:
        """BM25 always; dense once computed (a searchable document's points have none yet)."""
        vectors: dict[str, Any] = {SPARSE: self._bm25.embed_document(point.text)}
        if point.dense is not None:
            vectors[DENSE] = point.dense
        return vectors

    def search(
        self,
        dense: list[float],
        limit: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        return self._nearest(Query.Nearest(dense, using=DENSE), limit, document_ids)

    def sparse_search(
        self,
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        query = Query.Nearest(self._bm25.embed_query(text), using=SPARSE)
        return self._nearest(query, limit, document_ids)

    def _nearest(
        self,
        query: Any,
        limit: int,
        document_ids: list[str] | None,
    ) -> list[Hit]:
        request = QueryRequest(
            limit=limit, query=query, filter=build_filter(document_ids), with_payload=True
        )
        with self.session() as shard:
            return _hits(self._read(shard.query, request))

    def hybrid_search(
        self,
        dense: list[float],
        text: str,
        limit: int,
        document_ids: list[str] | None = None,
        fusion: Fusion | None = None,
    ) -> list[Hit]:
        fusion = fusion or Fusion()
        query_filter = build_filter(document_ids)
        prefetches = [
            Prefetch(
                limit=fusion.candidates,
                query=Query.Nearest(dense, using=DENSE),
                filter=query_filter,
            ),
            Prefetch(
                limit=fusion.candidates,
                query=Query.Nearest(self._bm25.embed_query(text), using=SPARSE),
                filter=query_filter,
            ),
        ]
        with self.session() as shard:
            found = self._read(
                shard.query,
                QueryRequest(
                    limit=limit,
                    prefetches=prefetches,
                    query=EdgeFusion.Rrf(  # type: ignore[arg-type]
                        k=fusion.k, weights=[fusion.dense_weight, fusion.sparse_weight]
                    ),
                    filter=query_filter,
                    with_payload=True,
                ),
            )
        return _hits(found)

    def delete_document(self, document_id: str) -> None:
        condition = FieldCondition(key="document_id", match=MatchValue(document_id))
        with self.session() as shard:
            shard.update(UpdateOperation.delete_points_by_filter(Filter(must=[condition])))
            shard.flush()

    def count(self, document_id: str | None = None) -> int:
        query_filter = build_filter([document_id] if document_id else None)
        with self.session() as shard:
            return int(self._read(shard.count, CountRequest(exact=True, filter=query_filter)))

    @staticmethod
    def _read(call: Callable[[Any], Any], request: Any) -> Any:
        """Qdrant's own message for a damaged shard becomes one line with the fix."""
        try:
            return call(request)
        except Exception as exc:  # noqa: BLE001 - the engine raises its own error types
            raise _unreadable(exc) from exc

    def document_ids(self) -> set[str]:
        request = FacetRequest(key="document_id", limit=FACET_LIMIT, exact=True)
        with self.session() as shard:
            response = self._read(shard.facet, request)
        return {str(hit.value) for hit in response.hits if hit.count > 0}

    def clear(self) -> None:
        with self.session():
            for document_id in self.document_ids():
                self.delete_document(document_id)

    def close(self) -> None:
        """Give the shard back now (it reopens on the next use). Never waits long: a session
        still running in another thread (a quitting TUI's ingest) gives it back itself,
        and every write is flushed when made."""
        try:
            with self.lock.held(CLOSE_WAIT_S):
                if self._open is not None and not self._active:
                    self._give_back()
        except LockBusyError:
            pass

    def replace_with(self, built: Path) -> None:
        """Make the index built in `built` this one, in one step that readers never see
        half-done: they hold the lock while they read, and the next read loads the new one."""
        with self.lock.held(self.wait_s, self.waiting):
            if self._open is not None and not self._active:
                self._give_back()
            retired = self.folder.with_name(self.folder.name + ".old")
            shutil.rmtree(retired, ignore_errors=True)
            if self.folder.exists():
                self.folder.rename(retired)
            built.rename(self.folder)
            shutil.rmtree(retired, ignore_errors=True)


def _unreadable(exc: Exception) -> Exception:
    """Qdrant's own message as one line; another process holding the shard (a version that
    kept it open) is busy, not damage, and is never answered with `reindex`."""
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    if "WouldBlock" in reason or "Resource temporarily unavailable" in reason:
        return LockBusyError("the index", None, 0.0)
    return IndexUnreadableError(f"cannot be read ({reason})")


def _hits(found: list[Any]) -> list[Hit]:
    return [Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in found]
