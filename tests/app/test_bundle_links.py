"""A link or special file in the offline bundle aborts install.sh (issue 24 item 19).

install.sh compared `find . -type f` with SHA256SUMS, so a symlinked
`wheels/archivist-99.0-py3-none-any.whl` pointing outside the bundle was never compared, and
pip's --find-links then preferred it; a symlinked `models/evil.gguf` was imported as
trusted. The real script runs here on a small bundle whose listed files all verify; PYTHON
is `false`, so a script that goes past its checks fails at once without installing.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from app.services.install_script import INSTALL_SH


def small_bundle(folder: Path) -> Path:
    (folder / "wheels").mkdir(parents=True)
    (folder / "models").mkdir()
    (folder / "wheels" / "archivist-1.0-py3-none-any.whl").write_bytes(b"wheel")
    (folder / "manifest.json").write_text("{}")
    (folder / "install.sh").write_text(INSTALL_SH)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}\n"
        for p in files
    )
    (folder / "SHA256SUMS").write_text(sums)
    return folder


def install(bundle: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARCHIVIST_PREFIX": str(tmp_path / "venv"), "PYTHON": "false"}
    return subprocess.run(
        ["bash", str(bundle / "install.sh")], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize(
    "planted", ["wheels/archivist-99.0-py3-none-any.whl", "models/evil.gguf", "fifo"]
)
def test_a_link_or_special_file_in_the_bundle_aborts_the_install(
    planted: str, tmp_path: Path
) -> None:
    bundle = small_bundle(tmp_path / "bundle")
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"not from the bundle")
    if planted == "fifo":
        os.mkfifo(bundle / "wheels" / "pipe.whl")
        planted = "wheels/pipe.whl"
    else:
        (bundle / planted).symlink_to(outside)
    result = install(bundle, tmp_path)
    assert result.returncode == 1
    refusal = [line for line in result.stderr.splitlines() if "refusing" in line]
    assert refusal == [
        f"install.sh: refusing to install, links or special files in the bundle: {planted}"
    ]
    assert not (tmp_path / "venv").exists()


def test_a_clean_small_bundle_passes_the_checks(tmp_path: Path) -> None:
    """The same bundle without the plant gets past the checks (to `false`, standing in
    for Python), so the refusals above are the checks' doing."""
    result = install(small_bundle(tmp_path / "bundle"), tmp_path)
    assert "2/5 installing" in result.stderr and "refusing" not in result.stderr
