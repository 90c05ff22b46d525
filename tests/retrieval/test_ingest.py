"""Incremental ingestion: changes, prune, a kill -9 mid-run, git sources, model changes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from buddy.errors import ServiceUnavailableError
from buddy.retrieval.embedders.base import Matrix, WrappedEmbedder
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.retrieval.ingest import embedding_text, ingest_docs, reindex
from buddy.retrieval.search import KnowledgeBase, ReindexRequiredError
from buddy.retrieval.sources import SourceError, resolve_source
from buddy.storage.base import Storage
from buddy.storage.records import IndexInfo
from tests.fixtures.stored_rows import page_chunks
from tests.retrieval.trees import write_tree

pytestmark = pytest.mark.anyio
EMBEDDER = LocalEmbedder()
TOPICS = ["kernels", "plugins", "agents", "vector stores", "prompts", "filters", "memory"]


def write_many_pages(root: Path, count: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        topic = TOPICS[number % len(TOPICS)]
        body = " ".join(f"Sentence {n} about {topic} in page {number}." for n in range(40))
        (root / f"page-{number:03}.md").write_text(
            f"---\ntitle: Page {number} on {topic}\n---\n# Page {number}\n\n{body}\n"
        )


async def test_changed_page_is_replaced_and_prune_removes_gone_pages(
    store: Storage, tmp_path: Path
) -> None:
    root = write_tree(tmp_path)
    cache = tmp_path / "cache"
    await ingest_docs(store, EMBEDDER, resolve_source(str(root), cache))
    legacy = root / "guide" / "legacy.md"
    legacy.write_text(legacy.read_text().replace("automatic tool choice", "FunctionChoiceBehavior"))
    (root / "guide" / "index.md").unlink()
    source = resolve_source(str(root), cache)
    report = await ingest_docs(store, EMBEDDER, source, prune=True)
    assert (report.new, report.changed, report.unchanged, report.removed) == (0, 1, 2, 1)
    chunks = await page_chunks(store, source.page_key("guide/legacy.md"))
    assert "FunctionChoiceBehavior" in "\n".join(c.content for c in chunks)
    assert await page_chunks(store, source.page_key("guide/index.md")) == []
    kb = KnowledgeBase(store, EMBEDDER, recheck_seconds=0)
    hits = await kb.search("FunctionChoiceBehavior", k=3)
    assert hits[0].source_path == "guide/legacy.md"


async def test_an_include_change_reingests_the_page_that_uses_it(
    store: Storage, tmp_path: Path
) -> None:
    root = write_tree(tmp_path)
    await ingest_docs(store, EMBEDDER, resolve_source(str(root), tmp_path / "c"))
    include = root / "guide" / "includes" / "setup.md"
    include.write_text(include.read_text() + "\nAlso install Contoso.Extensions.\n")
    report = await ingest_docs(store, EMBEDDER, resolve_source(str(root), tmp_path / "c"))
    assert (report.changed, report.unchanged) == (1, 3)


def test_kill_9_mid_ingest_leaves_a_consistent_store(tmp_path: Path) -> None:
    docs, data = tmp_path / "many", tmp_path / "data"
    write_many_pages(docs, 160)
    env = {**os.environ, "BUDDY_DATA_DIR": str(data), "BUDDY_LOG_LEVEL": "ERROR"}
    command = [sys.executable, "-m", "buddy", "ingest", "docs", str(docs)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    database = data / "buddy.sqlite3"
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and process.poll() is None:
        if database.exists():
            with sqlite3.connect(database, timeout=5) as conn:
                tables = conn.execute("SELECT name FROM sqlite_master WHERE name = 'pages'")
                if tables.fetchone():
                    stored = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
        if stored >= 20:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert 20 <= stored < 160, "the kill must land mid-run"
    rerun = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "160 unchanged" not in rerun.stdout  # the run completed the missing pages
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
        assert conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 160
        orphans = conn.execute(
            "SELECT count(*) FROM chunks WHERE page_key NOT IN (SELECT key FROM pages)"
        ).fetchone()[0]
        empty = conn.execute(
            "SELECT count(*) FROM pages WHERE key NOT IN (SELECT page_key FROM chunks)"
        ).fetchone()[0]
    assert (orphans, empty) == (0, 0)


def make_bare_repository(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "work")
    for args in (
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "."],
        ["-c", "user.email=t@example.org", "-c", "user.name=T", "commit", "--quiet", "-m", "docs"],
    ):
        subprocess.run(["git", "-C", str(root), *args], check=True, timeout=60)
    bare = tmp_path / "docs.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(root), str(bare)], check=True)
    return bare


async def test_git_repository_source(store: Storage, tmp_path: Path) -> None:
    bare = make_bare_repository(tmp_path)
    source = resolve_source(f"file://{bare}", tmp_path / "cache")
    assert source.name.startswith("docs~")
    assert len(source.files) == 4
    report = await ingest_docs(store, EMBEDDER, source)
    assert report.new == 4
    again = resolve_source(f"file://{bare}", tmp_path / "cache")  # fetch into the same clone
    assert again.root == source.root


async def test_a_different_embedder_asks_for_reindex(store: Storage, tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    await ingest_docs(store, EMBEDDER, resolve_source(str(root), tmp_path / "c"))
    await store.chunks.set_index_info(IndexInfo("text-embedding-3-small", 1536))
    kb = KnowledgeBase(store, EMBEDDER)
    with pytest.raises(ReindexRequiredError, match="buddy reindex"):
        await kb.search("agents", k=3)
    assert await reindex(store, EMBEDDER) == 4
    hits = await KnowledgeBase(store, EMBEDDER).search("build an agent", k=3)
    assert hits[0].source_path == "guide/agents.md"


async def test_same_named_folders_do_not_collide_and_single_files_cannot_prune(
    store: Storage, tmp_path: Path
) -> None:
    first = write_tree(tmp_path / "a")
    second = write_tree(tmp_path / "b")
    (second / "guide" / "legacy.md").unlink()
    await ingest_docs(store, EMBEDDER, resolve_source(str(first), tmp_path / "c"))
    report = await ingest_docs(
        store, EMBEDDER, resolve_source(str(second), tmp_path / "c"), prune=True
    )
    assert (report.new, report.removed) == (3, 0)
    assert len(await store.chunks.page_hashes()) == 7
    single = resolve_source(str(first / "guide" / "agents.md"), tmp_path / "c")
    with pytest.raises(SourceError, match="--prune needs a folder"):
        await ingest_docs(store, EMBEDDER, single, prune=True)


async def test_symlinks_out_of_the_tree_are_not_read(store: Storage, tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    secret = tmp_path / "outside-secret.md"
    secret.write_text("# Secret\n\nThe launch code is 0000.\n")
    (root / "guide" / "leak.md").symlink_to(secret)
    source = resolve_source(str(root), tmp_path / "c")
    assert "guide/leak.md" not in [source.relative(path) for path in source.files]


async def test_pages_arrive_in_order_across_batches_with_failures_listed_and_vectors_as_alone(
    store: Storage, tmp_path: Path
) -> None:
    docs = tmp_path / "many"
    write_many_pages(docs, 40)  # three batches of pages through the pipeline
    source = resolve_source(str(docs), tmp_path / "cache")
    (docs / "page-017.md").unlink()  # listed, then gone before it is read
    done: list[str] = []
    report = await ingest_docs(store, EMBEDDER, source, on_page=done.append)
    assert done == [source.relative(path) for path in source.files]
    assert (report.new, [path for path, _ in report.failed]) == (39, ["page-017.md"])
    assert report.failed[0][1].startswith("FileNotFoundError")
    assert len(await store.chunks.page_hashes()) == 39
    chunks = await page_chunks(store, source.page_key("page-031.md"))
    alone = await EMBEDDER.embed([embedding_text(c.title, c.heading, c.content) for c in chunks])
    vectors = await store.chunks.vectors_by_text_hash([c.text_hash for c in chunks])
    stored = np.array([vectors[c.text_hash] for c in chunks], dtype=np.float32)
    assert float((stored * alone).sum(axis=1).min()) >= 0.9999


class BrokenEmbedder(WrappedEmbedder):
    async def embed(self, texts: Sequence[str]) -> Matrix:
        raise ServiceUnavailableError("the model is gone", code="embedder_missing")


async def test_an_embedder_error_stops_the_run_as_that_error(
    store: Storage, tmp_path: Path
) -> None:
    docs = tmp_path / "many"
    write_many_pages(docs, 40)
    source = resolve_source(str(docs), tmp_path / "cache")
    with pytest.raises(ServiceUnavailableError) as raised:
        await ingest_docs(store, BrokenEmbedder(EMBEDDER), source)
    assert raised.value.code == "embedder_missing"
    assert await store.chunks.page_hashes() == {}
