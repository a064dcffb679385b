"""The Textual terminal UI over the app services."""
