"""`ingest --progress --json`, `docs list`, `reindex`, `docs rm` through the real command."""

import json
from pathlib import Path

from tests.cli_runner import archivist


def test_library_commands(archivist_home: Path, report_pdf: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    report_pdf.rename(folder / report_pdf.name)
    (folder / "broken.pdf").write_text("not a pdf")

    result = archivist("ingest", str(folder), "--json", "--progress", home=archivist_home)
    assert result.returncode == 1  # one file rejected, the rest done
    report = json.loads(result.stdout)
    assert [i["name"] for i in report["ingested"]] == ["NORTHWIND_2023_10K"]
    assert report["ingested"][0]["fiscal_period"] == "FY2023"
    assert "not a PDF" in report["rejected"][0]["reason"]
    assert "pages/s" in result.stderr and "ETA" in result.stderr
    assert "Traceback" not in result.stderr

    listed = json.loads(archivist("docs", "list", "--json", home=archivist_home).stdout)
    by_name = {d["name"]: d for d in listed}
    assert by_name["broken"]["status"] == "rejected"
    ready = by_name["NORTHWIND_2023_10K"]
    assert (ready["status"], ready["form_type"], ready["fiscal_year"]) == ("ready", "10-K", 2023)

    reindexed = archivist("reindex", "--json", home=archivist_home)
    assert reindexed.returncode == 0
    assert json.loads(reindexed.stdout) == {
        "documents": 1,
        "chunks": ready["chunk_count"],
        "points": ready["chunk_count"],
    }

    missing = archivist("docs", "rm", "nothing-like-this", home=archivist_home)
    assert missing.returncode == 3 and "no document matches" in missing.stderr

    removed = archivist("docs", "rm", ready["id"][:12], "--json", home=archivist_home)
    assert json.loads(removed.stdout)["removed"]["name"] == "NORTHWIND_2023_10K"
    left = json.loads(archivist("docs", "list", "--json", home=archivist_home).stdout)
    assert [d["name"] for d in left] == ["broken"]
