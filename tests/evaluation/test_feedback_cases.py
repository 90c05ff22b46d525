"""A thumbs-down in the page becomes a case for `buddy eval answers` in one command."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from buddy.config import Settings
from buddy.evaluation.cases import load_cases
from tests.cli.runner import run_buddy


def _ask_and_rate(base_url: str, question: str, vote: str, comment: str) -> tuple[str, list[str]]:
    response = httpx.post(f"{base_url}/api/chat", json={"message": question}, timeout=60)
    lines = [json.loads(line) for line in response.text.splitlines()]
    span_id = lines[0]["span_id"]
    cited = [line["url"] for line in lines if line["type"] == "citation"]
    body = {"span_id": span_id, "feedback_type": vote, "comment": comment}
    assert httpx.post(f"{base_url}/api/feedback", json=body).status_code == 200
    return span_id, cited


def test_thumbs_down_votes_export_as_cases(
    base_url: str, settings: Settings, tmp_path: Path
) -> None:
    down, cited = _ask_and_rate(base_url, "How do I build an MCP server in C#?", "thumbs_down", "")
    _ask_and_rate(base_url, "What is IChatClient?", "thumbs_up", "great")
    commented, _ = _ask_and_rate(
        base_url, "Will it rain tomorrow?", "thumbs_down", "should say it cannot know"
    )
    env = {"BUDDY_DATA_DIR": str(settings.data_dir)}
    result = run_buddy("feedback", "export", "--as-cases", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "2 cases exported"
    path = tmp_path / "cases.jsonl"
    path.write_text(result.stdout)
    cases = {case.id: case for case in load_cases(path)}
    assert set(cases) == {f"feedback-{down}", f"feedback-{commented}"}
    mcp = cases[f"feedback-{down}"]
    assert mcp.question == "How do I build an MCP server in C#?"
    assert cited
    assert mcp.rubric.endswith(f"The rated answer cited: {', '.join(cited)}")
    assert cases[f"feedback-{commented}"].rubric == "should say it cannot know"
