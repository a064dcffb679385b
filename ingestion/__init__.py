"""Turning report files into page-true chunks and their embeddings."""

from ingestion.errors import IngestError, UnreadableFileError, UnsupportedFileError
from ingestion.records import Chunk, Page, ParsedDocument

__all__ = [
    "Chunk",
    "IngestError",
    "Page",
    "ParsedDocument",
    "UnreadableFileError",
    "UnsupportedFileError",
]
