"""Figures checked while an answer streams: once per claim, not once per token.

A claim closes when the run of citations that ends it is followed by more text ("... 412
million [S2]. Revenue ..."). Only then is there something new to check: the claims closed
since the last check (each claim carries its own citations, so it is checked alone as it
would be within the answer) go to this object's own thread, and the unverified figures so
far are reported back. Each claim is checked once: a check over 100K tokens of sources
costs ~0.1 s per figure on a laptop core, so re-checking the answer so far would grow
with every claim. The
UI thread only appends tokens; the whole answer's check runs once, when it ends, on the
model runner's thread (and is cached on the `Answer`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.services.answer import Answer
from retrieval.citations import CITATION
from retrieval.types import Evidence

SEPARATORS = " ,;\n\t"

Flagged = Callable[[int, list[str]], object]  # (characters checked, unverified figure texts)


class ClaimChecks:
    def __init__(self, question: str, sources: list[Evidence], report: Flagged) -> None:
        self._question = question
        self._sources = sources
        self._report = report
        self._text = ""
        self._run_open = False  # a citation was written and its claim may still continue
        self._wanted = 0  # characters whose claims are closed
        self._checked = 0
        self._flagged: list[str] = []  # unverified figures of the claims checked so far
        self._stopped = False
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, piece: str) -> None:
        """One streamed piece of the answer; cheap unless it closes a claim."""
        self._text += piece
        if "]" in piece:
            self._run_open = True
            return
        rest = piece.lstrip(SEPARATORS)
        if not self._run_open or not rest or rest.startswith("["):
            return
        self._run_open = False
        last = None
        for last in CITATION.finditer(self._text):  # noqa: B007 - the last one is wanted
            pass
        if last is not None:
            self._want(last.end())

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()

    def _want(self, upto: int) -> None:
        with self._lock:
            if upto <= self._wanted or self._stopped:
                return
            self._wanted = upto
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="claim-checks", daemon=True)
                self._thread.start()
            self._lock.notify()

    def _loop(self) -> None:
        while True:
            with self._lock:
                while self._wanted <= self._checked and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                start, upto = self._checked, self._wanted
                self._checked = upto
                text = self._text[start:upto]  # the claims closed since the last check
            answer = Answer(self._question, "", answer=text, sources=self._sources)
            self._flagged += [f.text for f in answer.unverified]
            self._report(upto, list(self._flagged))
