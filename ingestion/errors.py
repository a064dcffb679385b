"""Errors raised while reading files; each message names the file and what is wrong."""


class IngestError(Exception):
    """A file could not be ingested."""


class UnsupportedFileError(IngestError):
    """The file type is not one Archivist reads."""


class UnreadableFileError(IngestError):
    """The file claims a supported type but cannot be parsed (corrupt, empty, wrong type)."""
