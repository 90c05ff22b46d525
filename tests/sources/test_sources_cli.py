"""`buddy sources ...` as an operator runs it: real processes on a real SQLite file, git
remotes over file://, and a sync killed with SIGKILL halfway."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.runner import run_buddy
from tests.sources.git_repo import Remote, page


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "BUDDY_DATA_DIR": str(tmp_path / "data"),
        "BUDDY_DEMO_CONTENT": "false",
        "BUDDY_SOURCE_LEASE_SECONDS": "2",
    }


def buddy(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_buddy(*args, cwd=tmp_path, env=env)


def listed(tmp_path: Path, env: dict[str, str]) -> dict[str, dict[str, object]]:
    done = buddy(tmp_path, env, "sources", "list", "--json")
    assert done.returncode == 0, done.stderr
    return {row["name"]: row for row in json.loads(done.stdout)}


def many_pages(count: int) -> dict[str, str | None]:
    body = "\n\n".join(
        f"## Step {n}\n\nCall `AddOpenAIChatCompletion` with model {n} and stream the reply "
        "with `GetStreamingChatMessageContentsAsync`; check the token usage after each turn."
        for n in range(3)
    )
    return {f"guide/page-{n:03}.md": page(f"Guide page {n}", body) for n in range(count)}


def test_add_sync_list_and_remove_with_one_source_failing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    remote = Remote(tmp_path / "remote")
    remote.commit("first", many_pages(3))
    folder = tmp_path / "wiki"
    folder.mkdir()
    (folder / "setup.md").write_text(page("Setup", "Install the SDK."), encoding="utf-8")
    (folder / "draft.md").write_text(page("Draft", "Not ready."), encoding="utf-8")
    gone = (tmp_path / "no-such-repo.git").as_uri()
    for args in (
        ("a-broken", "git", gone),
        ("guide", "git", remote.url, "--every", "6h"),
        ("wiki", "folder", str(folder), "--exclude", "draft.md"),
    ):
        added = buddy(tmp_path, env, "sources", "add", *args)
        assert added.returncode == 0, added.stderr

    synced = buddy(tmp_path, env, "sources", "sync")
    assert synced.returncode == 1
    assert "failed a-broken: git clone failed" in synced.stdout
    assert "guide: 3 added, 0 changed, 0 removed, 0 unchanged, 0 failed" in synced.stdout
    assert "wiki: 1 added, 0 changed, 0 removed, 0 unchanged, 0 failed" in synced.stdout
    assert "1 of 3 sources failed: a-broken" in synced.stderr
    rows = listed(tmp_path, env)
    assert str(rows["a-broken"]["last_error"]).startswith("git clone failed")
    assert rows["a-broken"]["last_success"] is None
    assert (rows["guide"]["pages"], rows["guide"]["every_seconds"]) == (3, 21_600)
    assert (rows["wiki"]["pages"], rows["wiki"]["last_error"]) == (1, "")
    table = buddy(tmp_path, env, "sources", "list")
    assert "a-broken last sync failed: git clone failed" in " ".join(table.stdout.split())

    removed = buddy(tmp_path, env, "sources", "remove", "guide")
    assert removed.returncode == 0, removed.stderr
    assert "removed guide and its 3 pages" in removed.stdout
    assert list(listed(tmp_path, env)) == ["a-broken", "wiki"]


def _pages_stored(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM pages").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


def test_a_sync_killed_halfway_is_finished_by_the_next_one(
    tmp_path: Path, env: dict[str, str]
) -> None:
    remote = Remote(tmp_path / "remote")
    remote.commit("first", many_pages(80))
    assert buddy(tmp_path, env, "sources", "add", "guide", "git", remote.url).returncode == 0
    database = Path(env["BUDDY_DATA_DIR"]) / "buddy.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "buddy", "sources", "sync"],
        cwd=tmp_path,
        env={**os.environ, **env, "BUDDY_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _pages_stored(database) < 10:
        assert process.poll() is None, "the sync ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    halfway = _pages_stored(database)
    assert 10 <= halfway < 80

    time.sleep(2.1)  # the dead process's lease runs out
    finished = buddy(tmp_path, env, "sources", "sync", "guide")
    assert finished.returncode == 0, finished.stderr
    # The pages the killed sync wrote are found unchanged by their hash, the rest are added.
    assert f"guide: {80 - halfway} added, 0 changed, 0 removed, {halfway} unchanged" in (
        finished.stdout
    )
    with sqlite3.connect(database) as conn:
        ordinals = conn.execute(
            "SELECT page_key, count(*), max(ordinal) FROM chunks GROUP BY page_key"
        ).fetchall()
    assert len(ordinals) == 80
    assert all(count == top + 1 for _, count, top in ordinals), "duplicate or missing chunks"
    again = buddy(tmp_path, env, "sources", "sync", "guide")
    assert "guide: 0 added, 0 changed, 0 removed, 80 unchanged, 0 failed" in again.stdout
