"""Schemathesis against the running app: the API does what its OpenAPI document says."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.fixtures.fuzzing import fuzz, fuzz_target

# Most operations take input, each fuzzed in two modes; those without input give one case each.
EXAMPLES_PER_OPERATION = 70
MIN_CASES = 1000


@pytest.mark.slow
def test_every_generated_case_gets_a_documented_answer(tmp_path: Path) -> None:
    with fuzz_target(tmp_path / "data") as url:
        documented = httpx.get(f"{url}/openapi.json").json()["paths"]
        report = fuzz(url, EXAMPLES_PER_OPERATION)
        health = httpx.get(f"{url}/health")
    operations = {
        f"{method.upper()} {path}" for path, item in documented.items() for method in item
    }
    assert set(report.per_operation) == operations, report.summary()
    assert report.cases >= MIN_CASES, report.summary()
    assert not report.findings, report.summary()
    assert health.status_code == 200
