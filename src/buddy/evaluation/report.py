"""A run's summary as the JSON object `--json` prints and `--out` saves, and a comparison of
two runs."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from buddy.errors import InvalidInputError
from buddy.evaluation.runner import CaseResult


def summary(results: list[CaseResult], judge_model: str | None) -> dict[str, Any]:
    """The run in the documented shape; `judge` is null for a run without a judge."""
    passed = sum(result.passed for result in results)
    scores = [r.judge_score for r in results if r.judge_score is not None]
    judge = None
    if judge_model is not None:
        judge = {
            "model": judge_model,
            "mean_score": round(statistics.fmean(scores), 3) if scores else None,
            "errors": sum(result.judge_error for result in results),
        }
    latencies = [result.latency_s for result in results]
    return {
        "cases": len(results),
        "passed": passed,
        "pass_rate": round(passed / len(results), 4) if results else 0.0,
        "judge": judge,
        "latency_p50_s": round(statistics.median(latencies), 3) if latencies else 0.0,
        "results": [_row(result) for result in results],
    }


def _row(result: CaseResult) -> dict[str, Any]:
    row = asdict(result)
    del row["judge_error"]
    return row


@dataclass(frozen=True)
class Comparison:
    """What changed between a saved run and this one, by case id."""

    newly_failing: list[str]
    newly_passing: list[str]
    added: list[str]
    removed: list[str]
    pass_rate_before: float
    pass_rate_after: float


def load_run(path: Path) -> dict[str, Any]:
    """A run saved with `--out`."""
    try:
        run = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}: not a saved run ({exc.msg})") from None
    if not isinstance(run, dict) or not isinstance(run.get("results"), list):
        raise InvalidInputError(f"{path}: not a saved run (no 'results' list)")
    return run


def compare(before: dict[str, Any], after: dict[str, Any]) -> Comparison:
    """Cases whose outcome changed, plus cases only one run has."""
    old = {row["id"]: bool(row["passed"]) for row in before["results"]}
    new = {row["id"]: bool(row["passed"]) for row in after["results"]}
    both = [case for case in new if case in old]
    return Comparison(
        newly_failing=[case for case in both if old[case] and not new[case]],
        newly_passing=[case for case in both if new[case] and not old[case]],
        added=[case for case in new if case not in old],
        removed=[case for case in old if case not in new],
        pass_rate_before=float(before.get("pass_rate", 0.0)),
        pass_rate_after=float(after.get("pass_rate", 0.0)),
    )
