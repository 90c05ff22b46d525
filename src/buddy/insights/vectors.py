"""Question vectors kept between insights refreshes: the most asked wordings change little
from one refresh to the next, so after the first only the new ones are embedded."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from buddy.retrieval.embedders.base import Embedder, Matrix, WrappedEmbedder


class WordingVectors(WrappedEmbedder):
    """Caches one vector per text for whole batches (CachedEmbedder keeps single queries)."""

    def __init__(self, inner: Embedder, size: int = 10_000) -> None:
        super().__init__(inner)
        self._size = size
        self._vectors: OrderedDict[str, Matrix] = OrderedDict()

    async def embed(self, texts: Sequence[str]) -> Matrix:
        missing = list(dict.fromkeys(text for text in texts if text not in self._vectors))
        if missing:
            fresh = await self._inner.embed(missing)
            for text, vector in zip(missing, fresh, strict=True):
                self._vectors[text] = vector
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            result[row] = self._vectors[text]
            self._vectors.move_to_end(text)
        # 384 float32 a row: 10,000 rows are about 15 MB.
        while len(self._vectors) > self._size:
            self._vectors.popitem(last=False)
        return result
