"""`buddy ingest feed` and `buddy ingest docs` as real processes."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import run_buddy
from tests.fixtures.feed_server import FeedServerState
from tests.retrieval.trees import write_tree


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
    feed = Path(__file__).parents[1] / "fixtures" / "feeds" / "legacy.rdf.xml"
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d")}
    result = run_buddy("ingest", "feed", str(feed), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout


def test_ingest_docs_reports_pages_and_a_rerun_finds_them_unchanged(tmp_path: Path) -> None:
    docs = write_tree(tmp_path)
    env = {"BUDDY_DATA_DIR": str(tmp_path / "d"), "COLUMNS": "250"}
    first = run_buddy("ingest", "docs", str(docs), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "pages: 4 new, 0 changed, 0 unchanged, 0 failed, 0 removed; 6 chunks written in "
    )
    (docs / "guide" / "legacy.md").unlink()
    again = run_buddy("ingest", "docs", str(docs), "--prune", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert "pages: 0 new, 0 changed, 3 unchanged, 0 failed, 1 removed; 0 chunks" in again.stdout
