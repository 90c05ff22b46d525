"""The in-memory gallery over a real store: filters, order, and seeing other writers' changes."""

from __future__ import annotations

import pytest

from buddy.samples.gallery import SampleGallery
from buddy.storage.base import Storage
from buddy.storage.records import PageRequest
from tests.storage.test_contract import sample

pytestmark = pytest.mark.anyio


async def test_tags_all_must_match_case_insensitively(store: Storage) -> None:
    await store.samples.upsert_samples(
        [
            sample("a", "alpha", ("semantic-kernel", "ollama")),
            sample("b", "Beta", ("Semantic-Kernel", "openai")),
            sample("c", "Gamma", ("ml-net",)),
        ]
    )
    gallery = SampleGallery(store.samples, recheck_seconds=0)
    both = await gallery.page(PageRequest(), tags=["SEMANTIC-KERNEL", "ollama"])
    one = await gallery.page(PageRequest(), tags=["semantic-kernel"])
    assert [s.id for s in both.items] == ["a"]
    assert [s.id for s in one.items] == ["a", "b"]
    # Two spellings of one taxonomy tag are one tag, shown by its label; others stay as written.
    assert await gallery.tags() == ["ML.NET", "Ollama", "OpenAI", "Semantic Kernel"]
    by_label = await gallery.page(PageRequest(), tags=["Semantic Kernel", "OLLAMA"])
    assert [s.id for s in by_label.items] == ["a"]


async def test_tags_outside_the_taxonomy_are_kept_as_written(store: Storage) -> None:
    await store.samples.upsert_samples(
        [sample("a", "Alpha", ("msft", "Semantic Kernel")), sample("b", "Beta", ("MSFT",))]
    )
    gallery = SampleGallery(store.samples, recheck_seconds=0)
    assert await gallery.tags() == ["msft", "Semantic Kernel"]
    assert [s.id for s in (await gallery.page(PageRequest(), tags=["Msft"])).items] == ["a", "b"]
    chosen = await gallery.page(PageRequest(), tags=["semantic-kernel"])
    assert [s.id for s in chosen.items] == ["a"]


async def test_search_is_literal_and_paged(store: Storage) -> None:
    await store.samples.upsert_samples(
        [sample(f"s{i:02}", f"Sample {i:02} (Qdrant)", ("rag",)) for i in range(25)]
        + [sample("x", "Regex .* demo", ("chat",))]
    )
    gallery = SampleGallery(store.samples, recheck_seconds=0)
    second = await gallery.page(PageRequest(2, 10), search="(qdrant)")
    assert second.total == 25
    assert [s.id for s in second.items] == [f"s{i:02}" for i in range(10, 20)]
    assert [s.id for s in (await gallery.page(PageRequest(), search=".*")).items] == ["x"]
    assert (await gallery.page(PageRequest(), search="q.rant")).total == 0


async def test_search_and_tags_together_keep_only_samples_matching_both(store: Storage) -> None:
    await store.samples.upsert_samples(
        [
            sample("a", "Alpha", ("rag",)),
            sample("b", "Beta vector", ("chat",)),
            sample("c", "Gamma vector", ("rag",)),
        ]
    )
    gallery = SampleGallery(store.samples, recheck_seconds=0)
    both = await gallery.page(PageRequest(), search="vector", tags=["rag"])
    assert [s.id for s in both.items] == ["c"]
    assert both.total == 1


async def test_changes_by_another_writer_show_up(store: Storage) -> None:
    gallery = SampleGallery(store.samples, recheck_seconds=0)
    assert (await gallery.page(PageRequest())).total == 0
    await store.samples.upsert_samples([sample("a", "First", ("chat",))])
    assert await gallery.get("a") is not None
    await store.samples.upsert_samples([sample("a", "Renamed", ("chat",))])
    assert [s.title for s in (await gallery.page(PageRequest())).items] == ["Renamed"]
    await store.samples.delete_samples_except([])
    assert await gallery.get("a") is None


async def test_best_matches_rank_by_shared_words(store: Storage) -> None:
    await store.samples.upsert_samples(
        [
            sample("a", "Ollama chat", ("ollama", "chat")),
            sample("b", "Ollama RAG with embeddings", ("ollama", "rag")),
            sample("c", "ML.NET sentiment", ("ml-net",)),
        ]
    )
    gallery = SampleGallery(store.samples, recheck_seconds=0)
    found = await gallery.best_matches("RAG with Ollama embeddings", limit=2)
    assert [s.id for s in found] == ["b", "a"]


async def test_version_is_rechecked_only_after_the_interval(store: Storage) -> None:
    gallery = SampleGallery(store.samples, recheck_seconds=3600)
    assert (await gallery.page(PageRequest())).total == 0
    await store.samples.upsert_samples([sample("a", "First", ("chat",))])
    # Within the interval the gallery serves its copy; a fresh gallery sees the change.
    assert (await gallery.page(PageRequest())).total == 0
    assert (await SampleGallery(store.samples).page(PageRequest())).total == 1
