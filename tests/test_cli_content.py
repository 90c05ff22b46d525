"""`buddy ingest feed` and `buddy samples import` as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.feed_server import FeedServerState
from tests.samples.test_catalog import GOOD
from tests.test_cli import run_buddy


def test_ingest_reports_each_feed_and_a_summary(
    tmp_path: Path, feeds: tuple[str, FeedServerState]
) -> None:
    url, _ = feeds
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d"), "COLUMNS": "250"}
    good, bad = f"{url}/feeds/dotnet-ai.rss.xml", f"{url}/broken.xml"
    first = run_buddy("ingest", "feed", good, bad, cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "2 feeds: 3 new, 0 updated, 0 unchanged, 1 failed" in first.stdout
    assert f"HTTP 500 from {bad}" in first.stderr
    again = run_buddy("ingest", "feed", good, cwd=tmp_path, env=env)
    assert "1 feeds: 0 new, 0 updated, 3 unchanged, 0 failed" in again.stdout


def test_ingest_exits_1_only_when_every_feed_fails(
    tmp_path: Path, feeds: tuple[str, FeedServerState]
) -> None:
    url, _ = feeds
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d"), "BUDDY_FEEDS": f"{url}/page.html"}
    result = run_buddy("ingest", "feed", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "every feed failed" in result.stderr
    assert f"{url}/page.html is not a feed" in result.stderr


def test_ingest_without_feeds_is_a_usage_error(tmp_path: Path) -> None:
    result = run_buddy("ingest", "feed", cwd=tmp_path, env={"BUDDY_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "BUDDY_FEEDS" in result.stderr


def test_ingest_reads_a_local_feed_file(tmp_path: Path) -> None:
    feed = Path(__file__).parent / "fixtures" / "feeds" / "legacy.rdf.xml"
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d")}
    result = run_buddy("ingest", "feed", str(feed), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout


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
