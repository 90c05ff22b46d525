"""The embedder protocol, its query cache and the settings-driven choice of embedder."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Model id recorded with the index; vectors of different models never mix."""
        ...

    @property
    def dimension(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> Matrix:
        """One L2-normalised row per text."""
        ...


def normalise(matrix: Matrix) -> Matrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: Matrix = (matrix / norms).astype(np.float32, copy=False)
    return normalised


class WrappedEmbedder:
    """Base of embedders that add behaviour around another: same model name and size."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dimension(self) -> int:
        return self._inner.dimension


class CachedEmbedder(WrappedEmbedder):
    """Remembers recent vectors by text: people ask the same questions again.

    By default only single-text calls (queries) are remembered, so ingesting thousands of
    chunks never pushes the queries out; with `batches` every text of every call is (the
    insights' question wordings, which change little from one refresh to the next)."""

    def __init__(self, inner: Embedder, size: int = 512, *, batches: bool = False) -> None:
        super().__init__(inner)
        self._size = size
        self._batches = batches
        self._cache: OrderedDict[str, Matrix] = OrderedDict()  # text -> its row

    async def embed(self, texts: Sequence[str]) -> Matrix:
        if len(texts) != 1 and not self._batches:
            return await self._inner.embed(texts)
        missing = list(dict.fromkeys(text for text in texts if text not in self._cache))
        if missing:
            fresh = await self._inner.embed(missing)
            for text, row in zip(missing, fresh, strict=True):
                self._cache[text] = row
        rows = np.empty((len(texts), self.dimension), dtype=np.float32)
        for index, text in enumerate(texts):
            rows[index] = self._cache[text]
            self._cache.move_to_end(text)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return rows
