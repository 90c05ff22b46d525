"""KnowledgeBase.search_or_widen: the filter's tags first, the whole knowledge base when
they find nothing."""

from __future__ import annotations

import pytest

from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.retrieval.search import KnowledgeBase
from buddy.storage.base import Storage
from buddy.storage.records import Chunk, DocPage

pytestmark = pytest.mark.anyio
EMBEDDER = LocalEmbedder()
PAGES = {
    "agents": ("agent-framework", "Build an agent that calls tools and keeps a thread."),
    "kernel": ("semantic-kernel", "Add a plugin to the kernel so the model can call it."),
}


async def stored_kb(store: Storage) -> KnowledgeBase:
    for key, (tag, text) in PAGES.items():
        [vector] = await EMBEDDER.embed([text])
        url = f"https://learn.example/{key}"
        await store.chunks.replace_page(
            DocPage(key, key.title(), url, f"{key}.md", "h1"),
            [
                Chunk(
                    f"{key}#0",
                    key,
                    0,
                    key.title(),
                    "",
                    text,
                    url,
                    f"{key}.md",
                    tags=(tag,),
                    vector=tuple(float(x) for x in vector),
                )
            ],
        )
    return KnowledgeBase(store, EMBEDDER, recheck_seconds=0)


async def test_tags_that_match_keep_the_search_inside_them(store: Storage) -> None:
    kb = await stored_kb(store)
    hits = await kb.search_or_widen("add a plugin to the kernel", 5, ["agent-framework"])
    assert [hit.page_key for hit in hits] == ["agents"]


async def test_tags_that_match_nothing_widen_to_everything(store: Storage) -> None:
    kb = await stored_kb(store)
    assert await kb.search("add a plugin to the kernel", 5, ["no-such-tag"]) == []
    widened = await kb.search_or_widen("add a plugin to the kernel", 5, ["no-such-tag"])
    assert [hit.page_key for hit in widened] == ["kernel", "agents"]
    assert widened == await kb.search_or_widen("add a plugin to the kernel", 5, [])
