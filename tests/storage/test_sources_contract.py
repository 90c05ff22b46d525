"""The storage contract for registered knowledge sources and their sync leases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from buddy.storage.base import Storage
from buddy.storage.records import Chunk, DocPage, KnowledgeSource, SyncOutcome

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def source(name: str, location: str = "", **fields: object) -> KnowledgeSource:
    where = location or f"file:///repos/{name}.git"
    return KnowledgeSource(name, "git", where, T0, **fields)  # type: ignore[arg-type]


async def put_page(storage: Storage, key: str, chunks: int = 2) -> None:
    page = DocPage(key, "Title", f"https://example.com/{key}", key, f"hash-{key}", None)
    rows = [
        Chunk(f"{key}#{n}", key, n, "Title", "Heading", f"text {n}", page.url, key, "csharp")
        for n in range(chunks)
    ]
    await storage.chunks.replace_page(page, rows)


async def test_a_source_round_trips_every_field_and_names_are_unique(storage: Storage) -> None:
    full = source(
        "sk-docs",
        base_url="https://learn.example.com/sk",
        include=("semantic-kernel/**", "*.md"),
        exclude=("**/archive/**",),
        branch="main",
        root="semantic-kernel",
        every_seconds=21_600,
        max_pages=900,
        max_depth=2,
    )
    assert await storage.sources.add_source(full)
    assert not await storage.sources.add_source(source("sk-docs", location="elsewhere"))
    assert await storage.sources.get_source("sk-docs") == full
    assert await storage.sources.get_source("nope") is None
    await storage.sources.add_source(source("a-first"))
    assert [s.name for s in await storage.sources.list_sources()] == ["a-first", "sk-docs"]


async def test_a_failed_sync_keeps_the_last_success_and_the_cursor(storage: Storage) -> None:
    await storage.sources.add_source(source("docs"))
    good = SyncOutcome(T0, T0 + timedelta(seconds=5), "", "2 added", 2, 7, ("a.md: bad",), "c1")
    await storage.sources.record_sync("docs", good)
    later = T0 + timedelta(hours=1)
    failed = SyncOutcome(later, later, "git fetch failed: gone", "0 added", 2, 7, (), None)
    await storage.sources.record_sync("docs", failed)
    found = await storage.sources.get_source("docs")
    assert found is not None
    assert found.last_started_at == later
    assert found.last_finished_at == later
    assert found.last_success_at == T0 + timedelta(seconds=5)
    assert found.last_error == "git fetch failed: gone"
    assert found.cursor == "c1"
    assert (found.pages, found.chunks, found.failures) == (2, 7, ())
    fixed = SyncOutcome(later, later, "", "0 added", 2, 7, (), "c2")
    await storage.sources.record_sync("docs", fixed)
    found = await storage.sources.get_source("docs")
    assert found is not None
    assert (found.last_error, found.cursor, found.last_success_at) == ("", "c2", later)


async def test_removing_a_source_takes_its_pages_and_chunks_and_nothing_else(
    storage: Storage,
) -> None:
    await storage.sources.add_source(source("docs"))
    await storage.sources.add_source(source("docs2"))
    for key in ("docs/a.md", "docs/sub/b.md", "docs2/a.md", "docs~1234abcd/a.md", "docsa.md"):
        await put_page(storage, key)
    assert await storage.chunks.count_under("docs/") == (2, 4)
    version = await storage.chunks.chunks_version()
    assert await storage.sources.remove_source("docs") == 2
    assert await storage.sources.remove_source("docs") is None
    assert await storage.sources.get_source("docs") is None
    assert sorted(await storage.chunks.page_hashes()) == sorted(
        ["docs2/a.md", "docs~1234abcd/a.md", "docsa.md"]
    )
    assert await storage.chunks.count_chunks() == 6
    assert await storage.chunks.chunks_version() != version
    assert await storage.chunks.count_under("docs/") == (0, 0)


async def test_a_lease_has_one_holder_until_it_is_released_or_runs_out(storage: Storage) -> None:
    await storage.sources.add_source(source("docs"))
    store = storage.sources
    now = T0
    assert await store.take_lease("docs", "a", now, now + timedelta(minutes=5))
    assert not await store.take_lease("docs", "b", now, now + timedelta(minutes=5))
    # The holder renews its own lease.
    assert await store.take_lease("docs", "a", now, now + timedelta(minutes=10))
    assert not await store.take_lease("docs", "b", now + timedelta(minutes=6), now)
    # Past its end, anyone may take it: the holder died without releasing it.
    late = now + timedelta(minutes=11)
    assert await store.take_lease("docs", "b", late, late + timedelta(minutes=5))
    await store.release_lease("docs", "a")  # not a's any more: nothing happens
    assert not await store.take_lease("docs", "a", late, late + timedelta(minutes=5))
    await store.release_lease("docs", "b")
    assert await store.take_lease("docs", "a", late, late + timedelta(minutes=5))
    assert not await store.take_lease("missing", "a", late, late)
