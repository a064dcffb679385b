"""Ingest files: parse in the sandbox, index, mark ready; list what was skipped or refused.

Two phases. As the sandboxed workers hand back each parsed document, its pages, chunks
and BM25 points are written and it becomes `searchable` (askable within seconds: PDFium
parses a 100-page filing in about a second); once every file is in, the dense vectors
are computed document by document and each becomes `ready`. One ingest at a time per
workspace (a lock file); every run first recovers whatever a killed run left and then
finishes any document a killed run left `searchable` (see `app.services.indexing`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import InputError
from app.services.indexing import (
    embed_document,
    index_document,
    recover,
    retire_other_versions,
)
from app.services.ports import Configured, Ingesting
from app.settings import Settings
from ingestion.pipeline import ParseOptions
from ingestion.readers import file_sha256, is_supported
from ingestion.records import ParsedDocument
from ingestion.sandbox import Parsed, ParsePool, SandboxLimits
from retrieval.catalogue import READY, REJECTED, SEARCHABLE, DocumentInfo
from retrieval.process_lock import ProcessLock, Waiting

WRITE_LOCK = "write.lock"


@dataclass
class IngestReport:
    ingested: list[dict[str, object]] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)
    rejected: list[dict[str, object]] = field(default_factory=list)
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "ingested": self.ingested,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "pages": self.pages,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class ProgressState:
    files_done: int
    files_total: int
    pages_done: int
    bytes_done: int
    bytes_total: int
    elapsed: float
    current: str
    path: str = ""  # the file just finished, and how:
    outcome: str = ""  # "ingested" or "rejected"
    detail: str = ""  # "12 pages, 40 chunks", or the reason


Progress = Callable[[ProgressState], None]


def write_lock(workspace: Configured) -> ProcessLock:
    """Ingest, `docs rm` and reindex take turns (readers never wait for it)."""
    return ProcessLock(workspace.home / WRITE_LOCK, "the library", writing=True)


@contextmanager
def ingest_lock(workspace: Configured, waiting: Waiting | None = None) -> Iterator[None]:
    """One writer at a time: a second waits its turn, saying for whom through `waiting`
    (by default the process's notice, see `retrieval.process_lock`), and gives up after
    `lock_wait_s` naming the holder. The kernel drops the lock when its holder dies."""
    with write_lock(workspace).held(workspace.settings.lock_wait_s, waiting):
        yield


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(supported files, files found in folders that will be skipped); a missing path is an
    error.

    A file named explicitly is kept even if unsupported, so it is reported as rejected (a
    FIFO or a device too: the reader refuses it without waiting on it). In a folder, a link
    that leads nowhere (a loop, a missing target) and anything that is not a regular file
    (a FIFO, a socket, a device) is listed as skipped, not passed over.
    """
    files: list[Path] = []
    unsupported: list[Path] = []
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.name.startswith("."):
                    continue
                if _dead_link(found):
                    unsupported.append(found)
                    continue
                if found.is_dir():
                    continue
                if not found.is_file():
                    unsupported.append(found)
                    continue
                (files if is_supported(found) else unsupported).append(found)
        elif path.exists():
            files.append(path)
        else:
            raise InputError(f"no such file or folder: {path}")
    return files, unsupported


def _dead_link(path: Path) -> bool:
    return path.is_symlink() and not path.exists()  # exists() is False on ELOOP too


def skip_reason(path: Path) -> str:
    """Why a file `expand_paths` found is skipped."""
    if _dead_link(path):
        return "a link that leads nowhere (a loop or a missing target)"
    if not path.is_file() and not path.is_dir():
        return "not a regular file (a FIFO, a socket or a device)"
    return "unsupported file type"


def ingest(
    workspace: Ingesting,
    paths: Iterable[Path],
    progress: Progress | None = None,
    workers: int | None = None,
    retry_rejected: bool = False,
) -> IngestReport:
    """`retry_rejected`: parse again the files rejected before (after fixing a setting
    that the reason does not name, e.g. chunk sizes)."""
    started = time.monotonic()
    report = IngestReport()
    files, unsupported = expand_paths(paths)
    for path in unsupported:
        report.skipped.append({"path": str(path), "reason": skip_reason(path)})
    with ingest_lock(workspace):
        workspace.catalogue.require_sound("ingest")  # before any change
        recover(workspace.catalogue, workspace.store)
        todo = _plan(workspace, files, report, retry_rejected)
        unfinished = workspace.catalogue.with_status(SEARCHABLE)  # a killed run's
        if todo or unfinished:
            workspace.check_recipe()
            workspace.record_recipe()
            _run(workspace, todo, unfinished, report, progress, workers, started)
    report.seconds = time.monotonic() - started
    return report


def _plan(
    workspace: Ingesting, files: list[Path], report: IngestReport, retry_rejected: bool = False
) -> dict[Path, str]:
    """Which files need parsing: path -> content hash. Unchanged files are skipped here, and
    so are files rejected before, unless asked to retry or the limit that rejected them has
    changed since."""
    catalogue = workspace.catalogue
    todo: dict[Path, str] = {}
    seen: dict[str, Path] = {}
    for given in files:
        path = given.resolve()
        if path in todo or path in seen.values():
            continue
        if not is_supported(path):
            suffix = path.suffix or "(none)"
            report.rejected.append(
                {"path": str(given), "reason": f"{given}: unsupported file type '{suffix}'"}
            )
            continue
        try:
            sha = file_sha256(path)
        except OSError as exc:
            report.rejected.append({"path": str(given), "reason": f"{given}: {exc.strerror}"})
            continue
        if sha in seen:
            report.skipped.append({"path": str(given), "reason": f"same content as {seen[sha]}"})
            continue
        seen[sha] = path
        existing = catalogue.get(sha)
        if existing and existing.status == SEARCHABLE:
            continue  # a killed run's: its dense vectors are finished in `_run`
        if existing and existing.status == READY:
            retire_other_versions(catalogue, workspace.store, str(path), keep=sha)
            report.skipped.append({"path": str(given), "reason": "already ingested"})
        elif (
            existing
            and existing.status == REJECTED
            and not (retry_rejected or limits_changed(existing.reason, workspace.settings))
        ):
            report.rejected.append({"path": str(given), "reason": existing.reason})
        else:
            todo[path] = sha
    return todo


# The sandbox's reasons that name the limit they hit (ingestion/sandbox.py words them).
_TIME_LIMIT = re.compile(r"parsing took longer than the limit \(([0-9.e+-]+) s\)$")
_MEMORY_LIMIT = re.compile(r"exceeds the parser's memory limit \((\d+) MB\)$")


def limits_changed(reason: str, settings: Settings) -> bool:
    """A rejection caused by a parsing limit that is no longer the setting: the file gets
    another try (a 0.05 s time limit once rejected a filing for good)."""
    timed_out = _TIME_LIMIT.search(reason)
    if timed_out:
        return float(timed_out.group(1)) != float(f"{settings.parse_timeout_s:g}")
    memory = _MEMORY_LIMIT.search(reason)
    return memory is not None and int(memory.group(1)) != settings.parse_memory_mb


def _run(
    workspace: Ingesting,
    todo: dict[Path, str],
    unfinished: list[DocumentInfo],
    report: IngestReport,
    progress: Progress | None,
    workers: int | None,
    started: float,
) -> None:
    settings = workspace.settings
    sizes = {path: path.stat().st_size for path in todo}
    total_files = len(todo) + len(unfinished)
    done = _Done()

    def tell(path: str, name: str, outcome: str, detail: str, size: int) -> None:
        done.files += 1
        done.bytes += size
        if progress:
            progress(
                ProgressState(
                    done.files,
                    total_files,
                    report.pages,
                    done.bytes,
                    sum(sizes.values()),
                    time.monotonic() - started,
                    name,
                    path,
                    outcome,
                    detail,
                )
            )

    # Summaries only, not parsed documents: a large folder must not sit in memory.
    searchable = [(info.id, _summary(info.id, info)) for info in unfinished]
    if todo:
        limits = SandboxLimits(
            workers=min(len(todo), workers or settings.ingest_workers or SandboxLimits().workers),
            time_limit_s=settings.parse_timeout_s,
            memory_mb=settings.parse_memory_mb,
            yield_to=workspace.home,  # questions come first (ingestion/yielding.py)
        )
        options = ParseOptions(
            workspace.embedder_folder,
            settings.chunk_tokens,
            settings.chunk_overlap,
            settings.pdf_reader,
        )
        with ParsePool(options, limits) as pool:
            for outcome in pool.parse(list(todo)):  # phase one, as each file is parsed
                if isinstance(outcome, Parsed):
                    doc_id = index_document(workspace, outcome.document)
                    retire_other_versions(
                        workspace.catalogue, workspace.store, str(outcome.path), keep=doc_id
                    )
                    searchable.append((doc_id, _summary(doc_id, outcome.document)))
                else:
                    sha = todo[outcome.path]
                    workspace.catalogue.record_rejected(str(outcome.path), sha, outcome.reason)
                    report.rejected.append({"path": str(outcome.path), "reason": outcome.reason})
                    name, size = outcome.path.name, sizes.get(outcome.path, 0)
                    tell(str(outcome.path), name, "rejected", outcome.reason, size)
    for doc_id, entry in searchable:  # phase two: dense vectors, one document at a time
        chunks = embed_document(workspace, doc_id)
        report.pages += int(entry["pages"])  # type: ignore[call-overload]
        report.chunks += chunks
        report.ingested.append(entry)
        path = Path(str(entry["path"]))
        detail = f"{entry['pages']} pages, {chunks} chunks"
        tell(str(path), path.name, "ingested", detail, sizes.get(path, 0))


@dataclass
class _Done:
    files: int = 0
    bytes: int = 0


def _summary(doc_id: str, doc: ParsedDocument | DocumentInfo) -> dict[str, object]:
    warnings: list[str] = []
    if isinstance(doc, DocumentInfo):  # finished from the catalogue after a killed run
        path, pages, chunks = doc.path, doc.page_count, doc.chunk_count
    else:
        path, pages, chunks = str(doc.path), doc.page_count, len(doc.chunks)
        warnings = list(doc.warnings)
    return {
        "id": doc_id,
        "path": path,
        "name": doc.name,
        "pages": pages,
        "chunks": chunks,
        "warnings": warnings,
        **doc.meta.as_dict(),
    }
