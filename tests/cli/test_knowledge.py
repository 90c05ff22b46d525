"""`buddy search`, `buddy reindex` and `buddy eval retrieval` on a small ingested tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import run_buddy
from tests.retrieval.trees import write_tree


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a data dir holding the small docs tree, ingested once."""
    base = tmp_path_factory.mktemp("knowledge")
    env = {"BUDDY_DATA_DIR": str(base / "d"), "COLUMNS": "250"}
    result = run_buddy("ingest", "docs", str(write_tree(base)), cwd=base, env=env)
    assert result.returncode == 0, result.stderr
    return env


def test_search_prints_json_best_first_and_a_table(
    tmp_path: Path, ingested: dict[str, str]
) -> None:
    as_json = run_buddy(
        "search", "build an agent", "--k", "2", "--json", cwd=tmp_path, env=ingested
    )
    assert as_json.returncode == 0, as_json.stderr
    hits = json.loads(as_json.stdout)
    assert hits[0]["source_path"] == "guide/agents.md"
    assert len(hits) == 2
    assert hits[0]["score"] >= hits[1]["score"]
    tagged = run_buddy(
        "search", "agent", "--tag", "agent-framework", "--json", cwd=tmp_path, env=ingested
    )
    assert {hit["source_path"] for hit in json.loads(tagged.stdout)} == {"guide/agents.md"}
    table = run_buddy("search", "agent", cwd=tmp_path, env=ingested)
    assert table.returncode == 0, table.stderr
    assert "4 results" in table.stdout
    assert "Building agents in Contoso AI" in table.stdout


def test_reindex_counts_the_pages(tmp_path: Path, ingested: dict[str, str]) -> None:
    result = run_buddy("reindex", cwd=tmp_path, env=ingested)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "reindexed 4 pages"


def test_eval_retrieval_prints_figures_and_json(tmp_path: Path, ingested: dict[str, str]) -> None:
    questions = tmp_path / "eval.jsonl"
    rows = [
        {"question": "How do I build an agent?", "relevant": ["guide/agents.md"], "kind": "how"},
        {"question": "What were planners?", "relevant": ["guide/legacy.md"], "kind": "what"},
    ]
    questions.write_text("".join(json.dumps(row) + "\n" for row in rows))
    as_json = run_buddy("eval", "retrieval", str(questions), "--json", cwd=tmp_path, env=ingested)
    assert as_json.returncode == 0, as_json.stderr
    figures = json.loads(as_json.stdout)
    assert figures["questions"] == 2
    assert set(figures["per_kind"]) == {"how", "what"}
    text = run_buddy("eval", "retrieval", str(questions), cwd=tmp_path, env=ingested)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("2 questions (0 out of scope skipped): recall@5 ")
    assert "MRR@10" in text.stdout


def test_eval_retrieval_reports_a_missing_file_in_one_line(
    tmp_path: Path, ingested: dict[str, str]
) -> None:
    result = run_buddy(
        "eval", "retrieval", str(tmp_path / "none.jsonl"), cwd=tmp_path, env=ingested
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error:")
    assert len(result.stderr.strip().splitlines()) == 1
