"""A store written by an older buddy opens in this one with its rows intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from buddy.config import Settings
from buddy.storage.factory import opened_storage
from buddy.storage.sqlite.migrations import MIGRATIONS

pytestmark = pytest.mark.anyio


async def test_sources_registered_before_max_depth_crawl_five_links_deep(
    settings: Settings,
) -> None:
    # The file as schema 6 left it: knowledge_sources had no max_depth column yet.
    path: Path = settings.sqlite_path
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:
        for script in MIGRATIONS[:6]:
            for statement in script:
                conn.execute(statement)
        conn.execute("PRAGMA user_version=6")
        conn.execute(
            "INSERT INTO knowledge_sources (name, kind, location, created_at, base_url, include,"
            " exclude, branch, root, every_seconds, max_pages, last_error, last_summary, pages,"
            " chunks, failures, cursor) VALUES ('site', 'website', 'https://docs.example/',"
            " '2026-12-01T00:00:00+00:00', '', '[]', '[]', '', '', 3600, 40, '', '', 0, 0,"
            " '[]', '')"
        )
    conn.close()

    async with opened_storage(settings) as storage:
        found = await storage.sources.get_source("site")

    assert found is not None
    assert (found.kind, found.max_pages, found.max_depth) == ("website", 40, 5)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()
