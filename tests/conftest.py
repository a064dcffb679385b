"""Shared fixtures: every test gets its own workspace in tmp_path; PDFs are generated."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF

from app.settings import Settings, default_onnx_cache, load_settings
from app.workspace import Workspace
from ingestion.embedder import Embedder
from model_runtime.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
FINANCEBENCH = ROOT.parent / "shared" / "data" / "financebench-dev"
# Read before the autouse fixture clears ARCHIVIST_* variables from each test's environment.
PG_URL = os.environ.get("ARCHIVIST_TEST_PG_URL")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores. Tests wait on subprocesses, locks and
    sleeps; on 2 cores the default run took 95 s with 2 workers and 88 s with 3."""
    return (os.cpu_count() or 1) + 1


# Tests that share the one PostgreSQL test database run in one worker (`--dist loadgroup`).
ON_POSTGRESQL = pytest.mark.xdist_group("postgresql")


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export for the whole run (the default backend), in a folder of the run's own.

    The export (torch import, trace, int8 quantization) costs tens of seconds on 2 cores, and
    `archivist setup` (which `make setup` runs) has already made it in the user's shared
    cache: a copy of that is the same file. Without one, the first test that embeds exports.
    The export itself is tested from scratch in tests/ingestion/test_onnx_embedder.py.
    """
    cache = tmp_path_factory.mktemp("onnx")
    shared = default_onnx_cache()
    for exported in shared.glob("*/model.onnx") if shared.is_dir() else ():
        key = exported.parent
        if (key / "model-int8-s8pc.onnx").is_file():
            shutil.copytree(key, cache / key.name, ignore=shutil.ignore_patterns("*.partial"))
    return cache


@pytest.fixture(autouse=True)
def archivist_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, onnx_cache: Path) -> Path:
    home = tmp_path / "home"
    isolated_environment(monkeypatch, home, onnx_cache)
    return home


def isolated_environment(monkeypatch: pytest.MonkeyPatch, home: Path, onnx_cache: Path) -> None:
    """Every test's ARCHIVIST_* variables (and only these): its own home, the run's ONNX
    export, a fixed context and one thread."""
    for name in list(os.environ):
        if name.startswith("ARCHIVIST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ARCHIVIST_HOME", str(home))
    monkeypatch.setenv("ARCHIVIST_ONNX_CACHE", str(onnx_cache))
    # A fixed context keeps tests repeatable and skips the prefill probe of the automatic
    # choice; tests of the automatic choice remove it.
    monkeypatch.setenv("ARCHIVIST_CONTEXT_LENGTH", "4096")
    # One thread for llama.cpp and ONNX Runtime. llama.cpp's threads meet at a barrier after
    # every operation; on a busy machine one of them is always waiting for a core, and the
    # starter then decoded 0.16 tokens/s with two threads against 5.9 with one (a 2-core VM
    # at load 15). What the tests prove does not depend on the thread count.
    monkeypatch.setenv("ARCHIVIST_THREADS", "1")


_EMBEDDERS: dict[tuple[object, ...], Embedder] = {}


def shared_embedder(settings: Settings) -> Embedder:
    """One embedder per recipe for the whole run, built as a workspace builds it: loading the
    ONNX session costs a second or two on a busy 2-core machine, and it holds no state."""
    key = (
        settings.embedder_backend,
        settings.embedder_path,
        settings.embed_batch,
        settings.threads,
        settings.onnx_cache,
    )
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = Workspace(settings).embedder
    return _EMBEDDERS[key]


@pytest.fixture
def workspace(archivist_home: Path) -> Iterator[Workspace]:
    settings = load_settings()
    ws = Workspace(settings, embedder=shared_embedder(settings))
    yield ws
    ws.close()


def ingested_home(
    factory: pytest.TempPathFactory, onnx_cache: Path, name: str, pages: list[str]
) -> Path:
    """A home holding one PDF of `pages`, ingested once for a module or the run.

    An ingest starts a parse worker process and writes the index: 0.6-1.5 s on 2 cores. A
    test that only reads the library takes `library_copy(home, archivist_home)` instead,
    a copy of these few files, and builds its workspace on that. The catalogue keeps this
    folder's PDF path, so tests that re-ingest or change the file ingest their own.
    """
    folder = factory.mktemp("ingested")
    home = folder / "home"
    with pytest.MonkeyPatch.context() as patch:
        isolated_environment(patch, home, onnx_cache)
        from app.services.ingest import ingest

        settings = load_settings()
        ws = Workspace(settings, embedder=shared_embedder(settings))
        try:
            report = ingest(ws, [make_pdf(folder / f"{name}.pdf", pages)])
            assert report.rejected == [] and len(report.ingested) == 1
        finally:
            ws.close()
    return home


def sparse_copy(source: str, target: str) -> str:
    """`shutil.copy2` that keeps the file's holes. Qdrant Edge's write-ahead log and storage
    pages are ~140 MB of holes per index; a plain copy writes them out as zeros (175 MB on
    disk per copied home, 5 GB a test run, seconds to write and to delete)."""
    if not hasattr(os, "SEEK_DATA"):
        return str(shutil.copy2(source, target))
    with open(source, "rb") as src, open(target, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        at = 0
        while at < size:
            try:
                start = os.lseek(src.fileno(), at, os.SEEK_DATA)
            except OSError:  # only a hole is left
                break
            end = os.lseek(src.fileno(), start, os.SEEK_HOLE)
            src.seek(start)
            dst.seek(start)
            dst.write(src.read(end - start))
            at = end
        dst.truncate(size)
    shutil.copystat(source, target)
    return target


def copy_home(source: Path, target: Path) -> None:
    """A private copy of a workspace folder, holes kept."""
    shutil.copytree(source, target, dirs_exist_ok=True, copy_function=sparse_copy)


def library_copy(ingested: Path, home: Path) -> Workspace:
    """A workspace on a private copy of an `ingested_home` at `home` (the test's own)."""
    copy_home(ingested, home)
    settings = load_settings()
    return Workspace(settings, embedder=shared_embedder(settings))


@pytest.fixture(scope="session")
def northwind_home(tmp_path_factory: pytest.TempPathFactory, onnx_cache: Path) -> Path:
    return ingested_home(tmp_path_factory, onnx_cache, "NORTHWIND_2023_10K", REPORT_PAGES)


@pytest.fixture
def northwind(northwind_home: Path, archivist_home: Path) -> Iterator[Workspace]:
    """A workspace whose library is the Northwind report, as `ingest(workspace,
    [report_pdf])` leaves it, without the ingest."""
    ws = library_copy(northwind_home, archivist_home)
    yield ws
    ws.close()


def answering_with(workspace: Workspace, engine: Engine) -> Workspace:
    """The same library answered by `engine` (a FakeEngine): a workspace composed from the
    given one's ports and the engine, as an entry point composes its own."""
    return Workspace(
        workspace.settings,
        catalogue=workspace.catalogue,
        store=workspace.store,
        embedder=workspace.embedder,
        engine=engine,
    )


def make_pdf(path: Path, pages: list[str]) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


REPORT_PAGES = [
    "Northwind Traders Annual Report 2023. This report describes the business of "
    "Northwind Traders, a wholesale distributor of specialty foods.",
    "Capital expenditures in fiscal 2023 were 412 million dollars, mainly for new "
    "warehouses in Ohio and a refrigerated fleet.",
    "Risk factors. Our results depend on fuel prices, labour costs and the weather in "
    "the regions where we ship perishable goods.",
    "Revenue grew 7 percent to 5.2 billion dollars, driven by cheese and olive oil sales "
    "to restaurants in the northeast.",
]


@pytest.fixture
def report_pdf(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)


def installed_backend() -> str:
    """The backend the installed llama.cpp was built for, found apart from `build_info`.

    Asserting against this (not against every value `build_info` can return) lets a test
    catch a report that names the wrong backend.
    """
    import platform

    import llama_cpp

    if not llama_cpp.llama_supports_gpu_offload():
        return "CPU"
    libraries = Path(llama_cpp.__file__).parent / "lib"
    if any("cuda" in p.name.lower() for p in libraries.glob("*")):
        return "CUDA"
    return "Metal" if platform.system() == "Darwin" else "GPU"


def financebench_pdf(name: str) -> Path:
    path = FINANCEBENCH / "pdfs" / f"{name}.pdf"
    if not path.is_file():
        pytest.skip(f"FinanceBench sample not found at {FINANCEBENCH} (needs ../shared)")
    return path


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny Qwen3-architecture GGUFs, written once per test session (see tests/tiny_gguf.py)."""
    from tests import tiny_gguf as t

    folder = tmp_path_factory.mktemp("tiny-models")
    specs: dict[str, dict[str, object]] = {
        "qwen3": {"script": t.THINKING_SCRIPT + t.FAST_SCRIPT},
        "qwen3moe": {"script": t.THINKING_SCRIPT + t.FAST_SCRIPT, "arch": "qwen3moe"},
        "endless": {"script": t.ENDLESS_THINKING_SCRIPT + t.FAST_SCRIPT},
        "qwen3-2507": {
            "script": t.chain("\n", "a", "b", "c", "</think>", "X", "Y", "Z", "<|im_end|>"),
            "chat_template": t.QWEN3_2507_THINKING_TEMPLATE,
        },
        "plain": {"script": t.FAST_SCRIPT + t.chain("\n", "X"), "chat_template": t.PLAIN_TEMPLATE},
    }
    return {
        name: t.write_tiny_qwen3(folder / f"tiny-{name}.gguf", **spec)  # type: ignore[arg-type]
        for name, spec in specs.items()
    }
