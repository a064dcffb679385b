"""The services the CLI and the TUI both call."""
