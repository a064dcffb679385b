from model_runtime.events import AnswerDelta, ReasoningDelta
from model_runtime.thinking import ThinkSplitter


def split(pieces: list[str], **kwargs: bool) -> tuple[str, str, ThinkSplitter]:
    splitter = ThinkSplitter(**kwargs)
    events = []
    for piece in pieces:
        events.extend(splitter.feed(piece))
    events.extend(splitter.finish())
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    return reasoning, answer, splitter


def test_plain_answer_has_no_reasoning() -> None:
    reasoning, answer, splitter = split(["The answer ", "is 42."])
    assert (reasoning, answer, splitter.closed) == ("", "The answer is 42.", True)


def test_tags_cut_across_deltas() -> None:
    reasoning, answer, _ = split(["<thi", "nk>let me ", "see</th", "ink>\n\nIt is 42."])
    assert reasoning == "let me see"
    assert answer == "It is 42."


def test_missing_opening_tag_counts_as_reasoning() -> None:
    pieces = ["weighing the pages", "</think>", "Capex was $412M."]
    reasoning, answer, _ = split(pieces, starts_in_reasoning=True)
    assert reasoning == "weighing the pages"
    assert answer == "Capex was $412M."


def test_opening_tag_written_anyway_is_dropped() -> None:
    reasoning, answer, _ = split(["<think>", "hmm</think>ok"], starts_in_reasoning=True)
    assert (reasoning, answer) == ("hmm", "ok")


def test_unclosed_block_is_incomplete() -> None:
    reasoning, answer, splitter = split(["<think>still thinking when tokens ran out"])
    assert reasoning == "still thinking when tokens ran out"
    assert answer == ""
    assert splitter.closed is False


def test_lone_angle_bracket_is_not_held_forever() -> None:
    _, answer, _ = split(["a < b", " and c"])
    assert answer == "a < b and c"
