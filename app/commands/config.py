"""`config show`: the effective settings and where each comes from."""

from __future__ import annotations

import json

from app.commands.common import JsonFlag
from app.settings import load_settings, setting_sources


def config_show(as_json: JsonFlag = False) -> None:
    """Print the effective settings and where each comes from (default, file, env)."""
    sources = setting_sources(load_settings())
    if as_json:
        data = {
            k: {"value": str(v) if v is not None else None, "source": s}
            for k, (v, s) in sources.items()
        }
        print(json.dumps(data, indent=2))
        return
    for name, (value, source) in sources.items():
        print(f"{name} = {value!s}  ({source})")
