"""Ingest files: parse in the sandbox, index, mark ready; list what was skipped or refused.

Parsing runs in worker processes while this process embeds and indexes the documents
they hand back, so the two stages overlap. One ingest at a time per workspace (a lock
file); every run first recovers whatever a killed run left (see `app.services.indexing`).
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import ArchivistError, InputError
from app.services.indexing import index_document, recover, retire_other_versions
from app.workspace import Workspace
from ingestion.pipeline import ParseOptions
from ingestion.readers import file_sha256, is_supported
from ingestion.records import ParsedDocument
from ingestion.sandbox import Parsed, ParsePool, SandboxLimits
from retrieval.catalogue import READY, REJECTED
from retrieval.integrity import require_sound_catalogue


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


class WorkspaceBusyError(ArchivistError):
    pass


@contextmanager
def ingest_lock(workspace: Workspace) -> Iterator[None]:
    """One writer at a time; the kernel drops the lock when its holder dies (even kill -9)."""
    with (workspace.home / "ingest.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WorkspaceBusyError(
                f"another ingest is running on {workspace.home}; try again when it ends"
            ) from exc
        yield


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(supported files, files found in folders that will be skipped); a missing path is an
    error.

    A file named explicitly is kept even if unsupported, so it is reported as rejected.
    A link in a folder that leads nowhere (a loop, a missing target) is skipped, not lost.
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
                if not found.is_file():
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
    return "unsupported file type"


def ingest(
    workspace: Workspace,
    paths: Iterable[Path],
    progress: Progress | None = None,
    workers: int | None = None,
) -> IngestReport:
    started = time.monotonic()
    report = IngestReport()
    files, unsupported = expand_paths(paths)
    for path in unsupported:
        report.skipped.append({"path": str(path), "reason": skip_reason(path)})
    with ingest_lock(workspace):
        require_sound_catalogue(workspace.catalogue, "ingest")  # before any change
        recover(workspace.catalogue, workspace.store)
        todo = _plan(workspace, files, report)
        if todo:
            workspace.check_recipe()
            workspace.record_recipe()
            _run(workspace, todo, report, progress, workers, started)
    report.seconds = time.monotonic() - started
    return report


def _plan(workspace: Workspace, files: list[Path], report: IngestReport) -> dict[Path, str]:
    """Which files need parsing: path -> content hash. Unchanged files are skipped here."""
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
        if existing and existing.status == READY:
            retire_other_versions(catalogue, workspace.store, str(path), keep=sha)
            report.skipped.append({"path": str(given), "reason": "already ingested"})
        elif existing and existing.status == REJECTED:
            report.rejected.append({"path": str(given), "reason": existing.reason})
        else:
            todo[path] = sha
    return todo


def _run(
    workspace: Workspace,
    todo: dict[Path, str],
    report: IngestReport,
    progress: Progress | None,
    workers: int | None,
    started: float,
) -> None:
    settings = workspace.settings
    limits = SandboxLimits(
        workers=min(len(todo), workers or settings.ingest_workers or SandboxLimits().workers),
        time_limit_s=settings.parse_timeout_s,
        memory_mb=settings.parse_memory_mb,
    )
    options = ParseOptions(workspace.embedder_folder, settings.chunk_tokens, settings.chunk_overlap)
    sizes = {path: path.stat().st_size for path in todo}
    done_bytes = 0
    with ParsePool(options, limits) as pool:
        pool.start()  # workers boot while the embedder loads
        workspace.embedder  # noqa: B018 - load it now, overlapping the workers' start
        for number, outcome in enumerate(pool.parse(list(todo)), start=1):
            done_bytes += sizes.get(outcome.path, 0)
            if isinstance(outcome, Parsed):
                doc = outcome.document
                doc_id = index_document(workspace, doc)
                retire_other_versions(
                    workspace.catalogue, workspace.store, str(outcome.path), keep=doc_id
                )
                report.pages += doc.page_count
                report.chunks += len(doc.chunks)
                report.ingested.append(_summary(doc_id, doc))
                result, detail = "ingested", f"{doc.page_count} pages, {len(doc.chunks)} chunks"
            else:
                sha = todo[outcome.path]
                workspace.catalogue.record_rejected(str(outcome.path), sha, outcome.reason)
                report.rejected.append({"path": str(outcome.path), "reason": outcome.reason})
                result, detail = "rejected", outcome.reason
            if progress:
                progress(
                    ProgressState(
                        number,
                        len(todo),
                        report.pages,
                        done_bytes,
                        sum(sizes.values()),
                        time.monotonic() - started,
                        outcome.path.name,
                        str(outcome.path),
                        result,
                        detail,
                    )
                )


def _summary(doc_id: str, doc: ParsedDocument) -> dict[str, object]:
    return {
        "id": doc_id,
        "path": str(doc.path),
        "name": doc.name,
        "pages": doc.page_count,
        "chunks": len(doc.chunks),
        "warnings": list(doc.warnings),
        **doc.meta.as_payload(),
    }
