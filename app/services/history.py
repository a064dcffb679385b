"""Conversations: each finished (or cancelled) `Answer` is a turn saved in the catalogue,
and the last conversation is what the chat opens with."""

from __future__ import annotations

import uuid

from app.services.answer import Answer
from retrieval.catalogue import Catalogue
from retrieval.storage.history_store import HistoryStore


class ConversationLog:
    """The current conversation; a new one starts on demand or when none exists yet."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._store = HistoryStore(catalogue)
        self.conversation_id: str | None = self._store.latest()

    def turns(self) -> list[Answer]:
        if self.conversation_id is None:
            return []
        return [Answer.from_json(r) for r in self._store.turns(self.conversation_id)]

    def start_new(self) -> None:
        self.conversation_id = None

    def add(self, turn: Answer) -> None:
        if self.conversation_id is None:
            self.conversation_id = str(uuid.uuid4())
            self._store.create(self.conversation_id, turn.question[:200])
        self._store.append(self.conversation_id, turn.to_json())
