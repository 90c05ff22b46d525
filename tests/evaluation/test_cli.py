"""`buddy eval answers` as an operator runs it: offline answers over the demo content, no judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buddy.config import Settings
from buddy.evaluation.cases import load_case_files
from tests.cli.runner import run_buddy

SHIPPED = sorted((Path(__file__).parents[2] / "evals" / "answers").glob("*.jsonl"))
CASES = [
    {
        "id": "mcp-server",
        "question": "How do I build an MCP server in C#?",
        "expect": {"has_code": True, "mention_any": ["ModelContextProtocol"]},
    },
    {
        "id": "made-up-term",
        "question": "How do I build an MCP server in C#?",
        "expect": {"mention_all": ["FrobnicateTheWidgetAsync"]},
    },
    {"id": "weather", "question": "Will it rain in Lisbon tomorrow?", "expect": {"declines": True}},
]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("answers")
    return {
        "BUDDY_DATA_DIR": str(base / "data"),
        "BUDDY_LLM_PROVIDER": "offline",
        "BUDDY_MCP_URL": "",
        "BUDDY_NUGET_SERVICE_INDEX": "http://127.0.0.1:9/v3/index.json",
        "COLUMNS": "200",
    }


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cases") / "cases.jsonl"
    path.write_text("".join(json.dumps(case) + "\n" for case in CASES))
    return path


def test_json_run_saved_and_gated(tmp_path: Path, env: dict[str, str], cases: Path) -> None:
    saved = tmp_path / "run.json"
    args = ["eval", "answers", str(cases), "--no-judge", "--json", "--out", str(saved)]
    result = run_buddy(*args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert json.loads(saved.read_text()) == run
    assert (run["cases"], run["passed"], run["judge"]) == (3, 2, None)
    assert run["pass_rate"] == round(2 / 3, 4)
    rows = {row["id"]: row for row in run["results"]}
    assert rows["mcp-server"]["checks"] == {"answered": True, "mention_any": True, "has_code": True}
    assert rows["mcp-server"]["cited"]
    assert rows["made-up-term"]["checks"] == {"answered": True, "mention_all": False}
    assert rows["weather"]["checks"] == {"answered": True, "declines": True}
    assert rows["weather"]["cited"] == []
    assert all(row["latency_s"] > 0 and row["judge_score"] is None for row in rows.values())
    below = run_buddy(*args[:3], "--no-judge", "--min-pass", "0.9", cwd=tmp_path, env=env)
    assert below.returncode == 1
    assert "pass rate 0.667 is below --min-pass 0.9" in below.stderr
    assert "FAIL made-up-term" in below.stdout
    assert "2/3 passed" in below.stdout


def test_compare_lists_newly_failing_cases_and_fails(
    tmp_path: Path, env: dict[str, str], cases: Path
) -> None:
    before = tmp_path / "before.json"
    rows = [{"id": case["id"], "passed": True} for case in CASES] + [{"id": "gone", "passed": 1}]
    before.write_text(json.dumps({"pass_rate": 1.0, "results": rows}))
    args = ["eval", "answers", str(cases), "--no-judge", "--compare", str(before)]
    worse = run_buddy(*args, cwd=tmp_path, env=env)
    assert worse.returncode == 1
    lines = [line for line in worse.stderr.splitlines() if line.strip()]  # the bar leaves one
    assert lines[0] == "pass rate 100.0% -> 66.7%"
    assert lines[1] == "newly failing: made-up-term"
    assert "gone: gone" in worse.stderr
    assert "1 cases pass in" in worse.stderr
    same = tmp_path / "same.json"
    rows = [{"id": case["id"], "passed": case["id"] != "made-up-term"} for case in CASES]
    same.write_text(json.dumps({"pass_rate": 0.6667, "results": rows}))
    steady = run_buddy(*args[:-1], str(same), cwd=tmp_path, env=env)
    assert steady.returncode == 0, steady.stderr


def test_a_bad_case_line_is_one_error_naming_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = json.dumps(CASES[0])
    bad.write_text(f'{good}\n{{"id": "x", "question": "q", "expect": {{"has_code": "lots"}}}}\n')
    result = run_buddy("eval", "answers", str(bad), "--no-judge", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {bad}:2: field 'expect.has_code'")


def test_seed_case_arrays_read_unchanged(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            [
                {
                    "id": "sk-1",
                    "input": "What is a kernel?",
                    "expected": "Explains the Kernel",
                    "criteria": ["names services", "names plugins"],
                    "metadata": {"category": "concept"},
                }
            ]
        )
    )
    [case] = load_case_files([seed])
    assert case.question == "What is a kernel?"
    assert case.rubric == "Expected: Explains the Kernel\nCriteria: names services; names plugins"


def test_shipped_cases_load() -> None:
    cases = load_case_files(SHIPPED)
    assert len(cases) >= 40
    assert {case.id.split("-")[0] for case in cases} == {"demo", "sk"}
    assert sum(case.expect.declines is True for case in cases) >= 5
    assert any(case.filters.aiLibrary for case in cases)


def test_an_offline_run_without_a_judge_model_asks_for_no_judge(
    tmp_path: Path, env: dict[str, str], cases: Path
) -> None:
    result = run_buddy("eval", "answers", str(cases), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "set them or pass --no-judge" in result.stderr
    assert result.stdout == ""


def test_url_asks_a_running_server_with_the_same_results(
    base_url: str, settings: Settings, tmp_path: Path, cases: Path
) -> None:
    env = {
        "BUDDY_DATA_DIR": str(settings.data_dir),
        "BUDDY_LLM_PROVIDER": "offline",
        "BUDDY_MCP_URL": "",
        "BUDDY_NUGET_SERVICE_INDEX": "http://127.0.0.1:9/v3/index.json",
    }
    runs = {}
    for where in ([], ["--url", base_url]):
        args = ["eval", "answers", str(cases), "--no-judge", "--json", *where]
        result = run_buddy(*args, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        runs[bool(where)] = [
            (row["id"], row["checks"], row["cited"]) for row in json.loads(result.stdout)["results"]
        ]
    assert runs[True] == runs[False]
    assert runs[True][0][2]  # the served answer's citations were read from its stream


def test_url_that_refuses_is_a_failed_case_not_a_crash(
    tmp_path: Path, env: dict[str, str], cases: Path
) -> None:
    args = ["eval", "answers", str(cases), "--no-judge", "--json", "--url", "http://127.0.0.1:9"]
    result = run_buddy(*args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["passed"] == 0
    assert all(row["checks"]["answered"] is False for row in run["results"])
