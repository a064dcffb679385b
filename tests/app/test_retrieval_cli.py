"""`archivist eval retrieval` and `archivist ask --show-context`, run as the installed command."""

import json
from pathlib import Path

from app.errors import ExitCode
from app.workspace import Workspace
from tests.cli_runner import archivist, one_line_error
from tests.conftest import REPORT_PAGES, make_pdf

OTHER_PAGES = [
    "Southwind Shipping 2022 annual report. We operate container ships in the Pacific.",
    "Our fleet has 42 vessels; fuel efficiency improved by 9 percent this year.",
    "Dividends of 1.10 dollars per share were paid to shareholders in 2022.",
]


def question(qid: str, text: str, doc: str, page: int) -> str:
    evidence = [{"doc_name": doc, "evidence_page_num": page, "evidence_text": ""}]
    return json.dumps(
        {"financebench_id": qid, "question": text, "doc_name": doc, "evidence": evidence}
    )


def test_eval_retrieval_ingests_and_compares_with_the_baseline(
    archivist_home: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "filings"
    docs.mkdir()
    make_pdf(docs / "NORTHWIND_2023_10K.pdf", REPORT_PAGES)
    make_pdf(docs / "SOUTHWIND_2022_10K.pdf", OTHER_PAGES)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "\n".join(
            [
                question(
                    "q1", "What were Northwind's capital expenditures?", "NORTHWIND_2023_10K", 1
                ),
                question(
                    "q2", "How many vessels are in Southwind's fleet?", "SOUTHWIND_2022_10K", 1
                ),
                question(
                    "q3", "What dividend did Southwind pay per share?", "SOUTHWIND_2022_10K", 2
                ),
            ]
        )
    )
    args = ["eval", "retrieval", str(questions), "--docs", str(docs), "--k", "1,3"]
    result = archivist(*args, "--scope", "library", "--baseline", "--json", home=archivist_home)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ingested"] == 2
    ours, baseline = data["results"]
    assert (ours["pipeline"], baseline["pipeline"]) == ("archivist", "baseline")
    assert ours["questions"] == 3 and ours["scope"] == "library"
    assert ours["hit_at"]["3"] == 1.0 and ours["misses_at_3"] == []
    assert set(data["ratio_to_baseline"]) == {"1", "3"}

    bad = archivist("eval", "retrieval", str(questions), "--k", "0", home=archivist_home)
    assert bad.returncode == ExitCode.USAGE and "--k" in one_line_error(bad)


def test_ask_show_context_and_a_prompt_that_cannot_fit(
    northwind: Workspace, archivist_home: Path, tiny_models: dict[str, Path]
) -> None:
    northwind.close()
    # What is shown is the context, not the prose: the tiny Qwen3 answers in a blink.
    short = {"ARCHIVIST_MAX_ANSWER_TOKENS": "24", "ARCHIVIST_MODEL": str(tiny_models["qwen3"])}
    result = archivist(
        "ask",
        "Northwind capex in 2023?",
        "--show-context",
        "--seed",
        "1",
        home=archivist_home,
        env=short,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("context 4,096 tokens: set by context_length")
    assert "\ncontext: whole (asked auto); scope: company NORTHWIND" in out
    assert "[S2] NORTHWIND_2023_10K p.2" in out and "omitted 0 source(s)" in out
    assert "tokens: context 4096 = prompt" in out

    tight = {"ARCHIVIST_CONTEXT_LENGTH": "512", "ARCHIVIST_MAX_ANSWER_TOKENS": "480"}
    result = archivist("ask", "Northwind capex in 2023?", home=archivist_home, env=tight)
    assert result.returncode == ExitCode.MODEL
    line = one_line_error(result)
    assert "context 512 - answer 480" in line and "free" in line
