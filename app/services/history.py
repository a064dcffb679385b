"""Conversations: each finished (or cancelled) answer is a turn saved in the catalogue, and
the last conversation is what the chat opens with."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from app.workspace import Workspace
from retrieval.history_store import HistoryStore
from retrieval.prompt import Source


@dataclass
class ChatTurn:
    """One question and its answer, with what is needed to show it again: the raw answer
    keeps its [S3] markers so citations stay links to their sources after a restart."""

    question: str
    mode: str
    answer: str = ""
    reasoning: str = ""
    sources: list[Source] = field(default_factory=list)
    model: str = ""
    context_tokens: int = 0
    completion_tokens: int = 0
    omitted_sources: list[str] = field(default_factory=list)
    ttft_s: float | None = None
    tokens_per_s: float | None = None
    stop_reason: str = ""  # "stop", "length", "cancelled" or "error"
    # Each figure and quotation of the answer as checked against its sources
    # (retrieval.figures.CheckedFigure.as_dict): text, kind, status, verified, found_in.
    figures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unverified(self) -> list[dict[str, Any]]:
        return [f for f in self.figures if not f.get("verified")]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ChatTurn:
        data: dict[str, Any] = json.loads(text)
        data["sources"] = [_source(s) for s in data.get("sources", [])]
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def _source(data: dict[str, Any]) -> Source:
    """A stored source; fields added or dropped since it was saved don't break the history."""
    known = set(Source.__dataclass_fields__)
    fields = {k: v for k, v in data.items() if k in known}
    if fields.get("passage") is not None:
        fields["passage"] = tuple(fields["passage"])
    return Source(**fields)


class ConversationLog:
    """The current conversation; a new one starts on demand or when none exists yet."""

    def __init__(self, workspace: Workspace) -> None:
        self._store = HistoryStore(workspace.catalogue.engine)
        self.conversation_id: str | None = self._store.latest()

    def turns(self) -> list[ChatTurn]:
        if self.conversation_id is None:
            return []
        return [ChatTurn.from_json(r) for r in self._store.turns(self.conversation_id)]

    def start_new(self) -> None:
        self.conversation_id = None

    def add(self, turn: ChatTurn) -> None:
        if self.conversation_id is None:
            self.conversation_id = str(uuid.uuid4())
            self._store.create(self.conversation_id, turn.question[:200])
        self._store.append(self.conversation_id, turn.to_json())
