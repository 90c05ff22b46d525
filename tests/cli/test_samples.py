"""`buddy samples import` as a real process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.runner import run_buddy
from tests.samples.test_catalog import GOOD


def test_samples_import_upserts_and_prunes(tmp_path: Path) -> None:
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d")}
    catalog = tmp_path / "catalog.json"
    second = GOOD | {"id": "second", "title": "Second"}
    catalog.write_text(json.dumps([GOOD, second]))
    first = run_buddy("samples", "import", str(catalog), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "samples: 2 new, 0 updated, 0 unchanged, 0 removed" in first.stdout
    catalog.write_text(json.dumps([GOOD | {"title": "Renamed"}]))
    pruned = run_buddy("samples", "import", str(catalog), "--prune", cwd=tmp_path, env=env)
    assert "samples: 0 new, 1 updated, 0 unchanged, 1 removed" in pruned.stdout


def test_samples_import_reports_a_bad_catalog_in_one_line(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps([{"id": "Bad Id!"}]))
    result = run_buddy("samples", "import", str(catalog), cwd=tmp_path, env={})
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {catalog}:1: sample 1 (id 'Bad Id!'): field 'id'")
    assert len(result.stderr.strip().splitlines()) == 1
