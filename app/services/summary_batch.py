"""Summarise many documents: ingest paths first, skip finished ones, one failure never
stops the batch. Yields one result per document as it finishes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.errors import EmptyWorkspaceError, InputError
from app.services.ingest import ingest
from app.services.ports import SummarizingFiles
from app.services.summarize import StepProgress, Summarizer, open_summarizer
from app.services.summary_record import SummaryRecord
from ingestion.readers import file_sha256
from model_runtime.engine import Mode
from retrieval.catalogue import READY, DocumentInfo


@dataclass
class SummaryResult:
    document: str
    status: str  # "done", "skipped" or "failed"
    record: SummaryRecord
    markdown: str = ""
    reason: str = ""
    files: tuple[str, ...] = ()


def resolve_targets(
    workspace: SummarizingFiles, targets: list[str], every: bool
) -> list[DocumentInfo]:
    """Document names from the library, or file paths (ingested first when needed)."""
    ready = [d for d in workspace.catalogue.documents() if d.status == READY]
    if every:
        return ready
    if not targets:
        raise InputError("name documents or files to summarise, or pass --all")
    chosen: list[DocumentInfo] = []
    for target in targets:
        named = [d for d in ready if d.name == target]  # two folders may hold one file name
        if named:
            chosen.extend(d for d in named if d not in chosen)
            continue
        path = Path(target).expanduser()
        if not path.exists():
            raise InputError(f"'{target}' is neither a document in the library nor a file")
        report = ingest(workspace, [path])
        if report.rejected:
            raise InputError(str(report.rejected[0]["reason"]))
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            found = workspace.catalogue.find_by_sha(file_sha256(file))
            if found and found.status == READY and found not in chosen:
                chosen.append(found)
    if not chosen:
        raise EmptyWorkspaceError("nothing to summarise")
    return chosen


def file_stem(document: DocumentInfo, shared: set[str]) -> str:
    """The output files' name: the document's, with its id's first 12 characters when
    another ready document has the same name (a/10-K.pdf and b/10-K.pdf), so neither
    overwrites the other, in this run or a later one."""
    return f"{document.name}.{document.id[:12]}" if document.name in shared else document.name


def summarize_batch(
    workspace: SummarizingFiles,
    documents: list[DocumentInfo],
    mode: Mode,
    out: Path,
    force: bool = False,
    progress: Callable[[DocumentInfo, int, int], None] | None = None,
    step_progress: StepProgress | None = None,
    summarizer: Summarizer | None = None,
) -> Iterator[SummaryResult]:
    """`summarizer`: pass one to read its checkpoints while it runs (the TUI streams sections)."""
    summarizer = summarizer or open_summarizer(workspace, mode, step_progress)
    names = Counter(d.name for d in workspace.catalogue.documents() if d.status == READY)
    shared = {name for name, count in names.items() if count > 1}
    out.mkdir(parents=True, exist_ok=True)
    for number, document in enumerate(documents, start=1):
        if progress:
            progress(document, number, len(documents))
        if force:
            summarizer.forget(document)
        finished = summarizer.finished(document)
        if finished:
            record = SummaryRecord.from_dict(json.loads(finished[0]))
            yield SummaryResult(
                document.name,
                "skipped",
                record,
                finished[1],
                "already summarised (use --force to redo)",
            )
            continue
        try:
            record, markdown = summarizer.summarize(document)
        except Exception as exc:  # noqa: BLE001 - one failing document never stops the batch
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            failed = SummaryRecord(document.name, document.id, status="failed")
            failed.warnings.append({"kind": "error", "text": reason})
            yield SummaryResult(document.name, "failed", failed, reason=reason)
            continue
        stem = file_stem(document, shared)
        md_path, json_path = out / f"{stem}.summary.md", out / f"{stem}.summary.json"
        md_path.write_text(markdown)
        json_path.write_text(json.dumps(record.as_dict(), indent=2) + "\n")
        summarizer.store.save_finished(
            document.id, summarizer.run_key, json.dumps(record.as_dict()), markdown
        )
        yield SummaryResult(
            document.name, "done", record, markdown, files=(str(md_path), str(json_path))
        )
