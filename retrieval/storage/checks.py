"""Can the catalogue be read? Checked before a repair, and by `doctor`.

A repair that starts on a damaged catalogue makes things worse: `reindex` once flipped every
document to `indexing`, failed on the damaged page and left the library reading as empty.
So `reindex` and `ingest` first ask SQLite's own `PRAGMA integrity_check` and refuse,
changing nothing, when it is not "ok".
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from retrieval.storage.errors import CATALOGUE_FIX, CatalogueDamagedError


def catalogue_verdict(engine: Engine) -> str:
    """ "ok", or what is wrong with the catalogue (never raises)."""
    try:
        with engine.connect() as connection:
            if engine.dialect.name != "sqlite":
                connection.execute(text("SELECT 1"))
                return "ok"
            rows = connection.execute(text("PRAGMA integrity_check(3)")).scalars().all()
    except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
        lines = str(exc).strip().splitlines()
        return lines[0][:200] if lines else type(exc).__name__
    verdict = "; ".join(str(r) for r in rows)
    return "ok" if verdict == "ok" else verdict


def require_sound_catalogue(engine: Engine, action: str) -> None:
    """Refuse `action` on a catalogue that fails its integrity check."""
    verdict = catalogue_verdict(engine)
    if verdict != "ok":
        raise CatalogueDamagedError(
            f"refusing to {action}: the catalogue is damaged ({verdict[:160]}); nothing was "
            f"changed; {CATALOGUE_FIX}"
        )
