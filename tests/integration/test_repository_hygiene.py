"""What is committed reads as written: no merge left its conflict markers in a file.

(A README once carried both sides of a merge for a whole session: nothing else fails on
prose, so this does.)
"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def test_no_conflict_markers_in_tracked_text_files() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    marked = []
    for name in filter(None, listed):
        path = ROOT / name.decode()
        if not path.is_file() or path.suffix in {".svg", ".png", ".pdf", ".whl", ".gguf"}:
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary
        if MARKER.search(data.decode("utf-8", "replace")):
            marked.append(name.decode())
    assert marked == []


def test_the_marker_pattern_finds_a_conflict() -> None:
    conflict = "a\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n"
    assert len(MARKER.findall(conflict)) == 3
    assert not MARKER.search("a table rule\n====\nmarkdown heading\n=========\n")
