"""The bundled demo content: enough of it, tagged from the taxonomy, loaded exactly once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from buddy.demo import load_demo_content, load_demo_knowledge
from buddy.demo.vectors import demo_vectors, shipped_vectors
from buddy.retrieval.embedders.base import Matrix
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.storage.base import Storage
from buddy.storage.records import NewsItem, PageRequest
from buddy.taxonomy import is_known

pytestmark = pytest.mark.anyio
T0 = NewsItem(
    id="mine",
    title="Operator's own item",
    url="https://example.org/mine",
    summary="s",
    source="Mine",
    author="Me",
    published=datetime(2025, 1, 1, tzinfo=UTC),
)


def test_demo_files_are_large_enough_and_tagged_from_the_taxonomy() -> None:
    folder = files("buddy.demo")
    samples = json.loads(folder.joinpath("samples.json").read_text("utf-8"))
    assert len(samples) >= 30
    assert len({sample["id"] for sample in samples}) == len(samples)
    assert all(is_known(tag) for sample in samples for tag in sample["tags"])
    assert all(sample["source"].startswith("https://github.com/") for sample in samples)
    # Our own bundled file, not untrusted input.
    feed = ElementTree.fromstring(folder.joinpath("news.xml").read_bytes())  # noqa: S314
    items = feed.findall("./channel/item")
    assert len(items) >= 20
    assert all(is_known(c.text or "") for item in items for c in item.findall("category"))


async def test_loaded_once_into_an_empty_store(store: Storage) -> None:
    first = await load_demo_content(store)
    assert first.loaded
    assert first.samples >= 30
    assert first.news >= 20
    assert await store.news.count_news() == first.news
    again = await load_demo_content(store)
    assert not again.loaded
    listed = await store.news.list_news(PageRequest(1, 100))
    assert all(item.feed_url == "bundled:buddy/demo/news.xml" for item in listed.items)
    assert all(len(item.summary) <= 300 for item in listed.items)


async def test_a_store_with_content_is_left_alone(store: Storage) -> None:
    await store.news.upsert_news([T0])
    report = await load_demo_content(store)
    assert not report.loaded
    assert await store.news.count_news() == 1
    assert await store.samples.all_samples() == []


async def test_shipped_vectors_cover_every_demo_chunk_and_match_the_model() -> None:
    """Fails after an article edit until `python -m buddy.demo.vectors` is run again."""
    embedder = LocalEmbedder()
    shipped = shipped_vectors(embedder.name)
    fresh = await demo_vectors(embedder)
    assert set(shipped) == set(fresh), "run `python -m buddy.demo.vectors`"
    for key in sorted(fresh)[:20]:
        assert float(np.dot(shipped[key], fresh[key])) > 0.999


async def test_demo_knowledge_loads_without_embedding_when_vectors_ship(
    store: Storage, tmp_path: Path
) -> None:
    class Refusing:
        name = LocalEmbedder().name
        dimension = 384

        async def embed(self, texts: Sequence[str]) -> Matrix:
            raise AssertionError(f"asked to embed {len(texts)} texts")

    assert await load_demo_knowledge(store, Refusing(), tmp_path / "cache") == 32
    assert await store.chunks.count_chunks() > 190
