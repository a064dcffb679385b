"""One citation module: [S3] markers and (p. N) page markers parsed, mapped, rendered and
checked in one place; one Answer record that the history stores and reads back."""

import json

from app.services.answer import Answer
from retrieval.citations import (
    CitationRewriter,
    check_citations,
    cited_numbers,
    cited_pages,
    page_marker,
    render_citations,
    shown_citations,
)
from retrieval.types import Evidence

SOURCES = [
    Evidence("d1", "BOEING_2022_10K", 111, 111, "Capex 412", score=0.2, number=1),
    Evidence("d1", "BOEING_2022_10K", 40, 41, "Revenue 66,608", score=0.9, number=2),
]


def test_markers_map_to_pages_and_render_as_document_pages() -> None:
    answer = "Capex was 412 [S1]; revenue 66,608 [S2] [S1] [S9]."
    assert cited_numbers(answer) == [1, 2, 9]
    check = check_citations(answer, SOURCES)
    assert [c.source.number for c in check.cited] == [1, 2]
    assert check.invalid == ["[S9]"] and check.grounded
    assert check.warning() == "the answer cites sources it was not given (unknown markers: [S9])"
    assert render_citations(answer, SOURCES) == (
        "Capex was 412 [BOEING_2022_10K p.112]; revenue 66,608 [BOEING_2022_10K p.41-42] "
        "[BOEING_2022_10K p.112] [S9]."
    )
    assert check.cited[1].as_dict()["pages"] == [41, 42]


def test_an_answer_citing_nothing_lists_what_it_was_given_best_first() -> None:
    check = check_citations("No idea.", SOURCES)
    assert not check.grounded and check.warning() is not None
    shown = shown_citations("No idea.", SOURCES)
    assert [c.source.number for c in shown] == [2, 1]
    assert not any(c.cited_by_model for c in shown)


def test_streamed_markers_cut_in_two_are_held_back() -> None:
    rewriter = CitationRewriter(SOURCES)
    out = rewriter.feed("Capex [S") + rewriter.feed("1] rose") + rewriter.finish()
    assert out == "Capex [BOEING_2022_10K p.112] rose"


def test_summary_page_markers() -> None:
    assert cited_pages("Capex rose (p. 2; pp. 4-5) [p. 9]") == [2, 4, 5, 9]
    assert page_marker(2) == "[p. 3]"
    assert cited_pages(page_marker(2)) == [3]


def test_the_history_stores_the_answer_and_reads_old_records() -> None:
    answer = Answer("Capex?", "fast", "412 [S1]", sources=SOURCES, model="m", stop_reason="stop")
    again = Answer.from_json(answer.to_json())
    assert again.sources == SOURCES
    assert (again.answer, again.model, again.stop_reason) == ("412 [S1]", "m", "stop")
    assert again.readable_answer == "412 [BOEING_2022_10K p.112]"
    # A turn saved before the redesign (the old ChatTurn record, number first).
    old = {
        "question": "q",
        "mode": "fast",
        "answer": "a [S1]",
        "sources": [
            {
                "number": 1,
                "document_id": "d1",
                "document_name": "BOEING_2022_10K",
                "first_page": 3,
                "last_page": 3,
                "text": "t",
                "score": None,
                "passage": [3, 0, 1],
            }
        ],
        "ttft_s": 0.5,
        "dropped_field": 1,
    }
    turn = Answer.from_json(json.dumps(old))
    assert turn.sources[0].passage == (3, 0, 1) and turn.sources[0].number == 1
    assert turn.ttft_s == 0.5 and [c.source.page for c in turn.citations] == [3]


def test_typed_lookalike_citations_are_marked_never_rendered_as_real() -> None:
    """Issue 24 item 9: "[OTHERDOC_2019_10K p.999]" copied from a planted page, or the starter's
    "[S4] INJCO_2023_10K p.6-7" for a 5-page document, read exactly like real citations."""
    sources = [*SOURCES, Evidence("d2", "INJCO_2023_10K", 2, 2, "x", score=0.1, number=4)]
    answer = (
        "Capex 412 [S1] [OTHERDOC_2019_10K p.999]; [S4] INJCO_2023_10K p.6-7; "
        "[S4] INJCO_2023_10K p.3 (its heading, echoed)."
    )
    check = check_citations(answer, sources)
    assert check.grounded and check.invalid == []
    assert check.lookalikes == ["[OTHERDOC_2019_10K p.999]", "INJCO_2023_10K p.6-7"]
    assert "looks like a citation but is none" in (check.warning() or "")
    assert render_citations(answer, sources) == (
        "Capex 412 [BOEING_2022_10K p.112] (not a source: OTHERDOC_2019_10K p.999); "
        "[INJCO_2023_10K p.3] (not a source: INJCO_2023_10K p.6-7); "
        "[INJCO_2023_10K p.3] INJCO_2023_10K p.3 (its heading, echoed)."
    )
    data = Answer("Capex?", "fast", answer, sources=sources).as_dict()
    assert data["lookalike_citations"] == check.lookalikes
    assert data["warning"] == check.warning()
    assert "[OTHERDOC_2019_10K p.999]" not in str(data["answer"])


def test_streamed_lookalikes_render_as_the_whole_text_does_at_any_chunk_size() -> None:
    answer = "Capex [S1] [OTHERDOC_2019_10K p.999] and ZZ_CORP_10K pp. 6-7 [S2]\n[S"
    whole = render_citations(answer, SOURCES)
    assert "(not a source: ZZ_CORP_10K pp. 6-7)" in whole
    for size in range(1, 12):
        rewriter = CitationRewriter(SOURCES)
        pieces = [answer[i : i + size] for i in range(0, len(answer), size)]
        assert "".join(rewriter.feed(p) for p in pieces) + rewriter.finish() == whole
