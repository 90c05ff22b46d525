"""A batch cache (the insights' question vectors) embeds each wording once and stays within
its size."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from buddy.retrieval.embedders.base import CachedEmbedder, Matrix, WrappedEmbedder
from buddy.retrieval.embedders.local import LocalEmbedder

pytestmark = pytest.mark.anyio
EMBEDDER = LocalEmbedder()


class CountingEmbedder(WrappedEmbedder):
    """The real embedder, remembering which texts it was asked for."""

    def __init__(self) -> None:
        super().__init__(EMBEDDER)
        self.asked: list[str] = []

    async def embed(self, texts: Sequence[str]) -> Matrix:
        self.asked.extend(texts)
        return await self._inner.embed(texts)


async def test_only_new_wordings_reach_the_embedder_and_rows_keep_their_order() -> None:
    inner = CountingEmbedder()
    cache = CachedEmbedder(inner, batches=True)
    first = ["How do I use Ollama?", "What is a kernel plugin?"]

    before = await cache.embed(first)
    after = await cache.embed(["What is a kernel plugin?", "Is streaming supported?", first[0]])

    assert inner.asked == [*first, "Is streaming supported?"]
    np.testing.assert_array_equal(after[0], before[1])
    np.testing.assert_array_equal(after[2], before[0])
    assert after.shape == (3, EMBEDDER.dimension)


async def test_the_least_recently_used_wordings_are_dropped_beyond_the_size() -> None:
    inner = CountingEmbedder()
    cache = CachedEmbedder(inner, size=2, batches=True)

    await cache.embed(["one question", "two questions"])
    await cache.embed(["three questions"])
    await cache.embed(["two questions", "one question"])

    assert inner.asked == ["one question", "two questions", "three questions", "one question"]
