"""Document KV states on disk, so a second question over a report pays only for itself.

Prompts put the documents first and the question last, so consecutive questions over the same
report share a long token prefix. After prefilling that prefix the engine saves llama.cpp's
state (the KV cache) here, keyed by the model's hash and the prefix tokens' hash; the next
prompt that starts with the same prefix restores it instead of recomputing it. Entries are
whole files written atomically; the folder is bounded in bytes and evicts the least
recently used entry (modification time is touched on every hit).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".kvstate"
_TMP = ".tmp"  # `<key>.<pid>.tmp` while an entry is written
_HEADER = struct.Struct("<4sII")  # magic, header length, format version
_MAGIC = b"AKV1"


@dataclass(frozen=True)
class SavedState:
    tokens: list[int]
    state: bytes


def prefix_key(model_id: str, tokens: Sequence[int]) -> str:
    digest = hashlib.sha256(model_id.encode("utf-8"))
    digest.update(struct.pack(f"<{len(tokens)}i", *tokens))
    return digest.hexdigest()


class KvCache:
    """A bounded folder of saved prefix states; a broken entry is a miss, never an error."""

    def __init__(self, folder: Path, max_bytes: int = 4 * 1024**3) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.save_error = ""  # why the last save was skipped (a full disk, a read-only folder)
        with contextlib.suppress(OSError):  # read-only: every load a miss, every save a warning
            folder.mkdir(parents=True, exist_ok=True)
        self.remove_stale()

    def remove_stale(self) -> None:
        """Delete temporaries left by processes that died mid-save (a full disk, kill -9):
        nothing else ever reads or removes them, and each can be gigabytes."""
        for path in self.folder.glob(f"*{_TMP}"):
            pid = path.name.removesuffix(_TMP).rsplit(".", 1)[-1]
            if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
                continue
            try:
                path.unlink(missing_ok=True)
            except OSError:
                return  # a read-only folder: nothing can be written there either

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def load(self, key: str) -> SavedState | None:
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                magic, header_len, _version = _HEADER.unpack(handle.read(_HEADER.size))
                if magic != _MAGIC:
                    return None
                header = json.loads(handle.read(header_len))
                tokens = [int(t) for t in header["tokens"]]
                state = handle.read()
            if len(state) != int(header["state_bytes"]):
                return None
            os.utime(path)  # most recently used
            return SavedState(tokens, state)
        except (OSError, ValueError, KeyError, struct.error):
            return None

    def save(self, key: str, tokens: Sequence[int], state: bytes) -> bool:
        """Write one entry; False (with `save_error` saying why) when the disk refused it."""
        if len(state) > self.max_bytes:
            return False
        header = json.dumps({"tokens": list(tokens), "state_bytes": len(state)}).encode()
        path = self._path(key)
        tmp = path.with_suffix(f".{os.getpid()}{_TMP}")
        try:
            with tmp.open("wb") as handle:
                handle.write(_HEADER.pack(_MAGIC, len(header), 1))
                handle.write(header)
                handle.write(state)
            tmp.replace(path)
            self.evict()
        except OSError as exc:
            # The answer matters, the cache does not: skip it, say so, leave nothing behind.
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            reason = exc.strerror or type(exc).__name__
            self.save_error = f"the KV cache was not saved ({reason}: {self.folder})"
            return False
        self.save_error = ""
        return True

    def entries(self) -> list[Path]:
        return sorted(self.folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.entries())

    def evict(self) -> None:
        """Drop least recently used entries until the folder fits its bound."""
        entries = self.entries()
        total = sum(p.stat().st_size for p in entries)
        for path in entries:
            if total <= self.max_bytes:
                break
            total -= path.stat().st_size
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
