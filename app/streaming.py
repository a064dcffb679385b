"""Rewrite [S3] markers to [DOC p.N] while text streams, holding back a marker cut in two."""

from __future__ import annotations

from retrieval.prompt import Source, render_citations

LONGEST_MARKER = 6  # "[S999]"


class CitationRewriter:
    def __init__(self, sources: list[Source]) -> None:
        self._sources = sources
        self._held = ""

    def feed(self, text: str) -> str:
        self._held += text
        cut = self._held.rfind("[")
        if cut >= 0 and "]" not in self._held[cut:] and len(self._held) - cut < LONGEST_MARKER:
            ready, self._held = self._held[:cut], self._held[cut:]
        else:
            ready, self._held = self._held, ""
        return render_citations(ready, self._sources)

    def finish(self) -> str:
        rest, self._held = self._held, ""
        return render_citations(rest, self._sources)
