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
    """Remembers recent query vectors: people ask the same questions again."""

    def __init__(self, inner: Embedder, size: int = 512) -> None:
        super().__init__(inner)
        self._size = size
        self._cache: OrderedDict[str, Matrix] = OrderedDict()

    async def embed(self, texts: Sequence[str]) -> Matrix:
        if len(texts) != 1:
            return await self._inner.embed(texts)
        text = texts[0]
        cached = self._cache.get(text)
        if cached is None:
            cached = await self._inner.embed(texts)
            self._cache[text] = cached
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(text)
        return cached
