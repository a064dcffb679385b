"""What every command shares: the --json flag, the workspace, stderr output."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from app.settings import load_settings
from app.workspace import Workspace

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def open_workspace(**overrides: Any) -> Workspace:
    """The composition root of a command: settings read once, the ports built from them
    (each on first use) and handed to the services."""
    return Workspace(load_settings(**overrides))


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
