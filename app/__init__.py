"""Archivist's application layer: settings, workspace, services and the CLI."""

from app.offline import force_offline

force_offline()
