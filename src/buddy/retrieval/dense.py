"""Dense search over an in-memory float32 matrix: exact for small tables, a graph index for
large ones, filters applied inside either."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from buddy.retrieval.hnsw import HnswIndex
from buddy.storage.records import VectorTable

# Below this many rows an exact scan takes a few milliseconds and a graph costs a build (about
# a minute at 100k rows on two cores: benchmarks/results/2026-12-05_dense_ann.txt).
GRAPH_MIN_ROWS = 100_000
# A filter passing fewer rows than this share would make the graph search 1/share deeper:
# scoring just those rows is cheaper, and exact.
GRAPH_MIN_FILTER_SHARE = 0.1

Mask = npt.NDArray[np.bool_]
Rows = npt.NDArray[np.int64]


@dataclass(frozen=True)
class DenseHit:
    row: int
    score: float


class DenseIndex:
    """Rows of unit vectors: an exact matrix-vector product for small sets, an HNSW graph for
    large ones where it reaches its recall target, exact again where it cannot."""

    def __init__(self, table: VectorTable, graph_min_rows: int = GRAPH_MIN_ROWS) -> None:
        self.table = table
        self._tag_masks: dict[str, Mask] = {}
        self._languages = np.array(table.languages, dtype=object)
        # Chunks stored without a vector (keyword-only) never take part in dense search.
        self._has_vector: Mask = np.any(table.matrix != 0, axis=1)
        with_vectors = np.flatnonzero(self._has_vector)
        self.graph: HnswIndex | None = None
        if len(with_vectors) >= graph_min_rows:
            graph = HnswIndex(table.matrix, with_vectors)
            # Without structure to follow (uniform data) no depth reaches the target cheaply.
            self.graph = graph if graph.expansion is not None else None

    def __len__(self) -> int:
        return len(self.table.ids)

    def mask(self, tags: Sequence[str] = (), languages: Sequence[str] = ()) -> Mask:
        """Rows that carry every tag and, when given, one of the languages."""
        mask = self._has_vector.copy()
        if not tags and not languages:
            return mask
        for tag in tags:
            mask &= self._tag_mask(tag)
        if languages:
            mask &= np.isin(self._languages, list(languages))
        return mask

    def _tag_mask(self, tag: str) -> Mask:
        cached = self._tag_masks.get(tag)
        if cached is None:
            cached = np.fromiter((tag in row for row in self.table.tags), np.bool_, len(self))
            self._tag_masks[tag] = cached
        return cached

    def search(
        self, query: npt.NDArray[np.float32], k: int, mask: Mask | None = None
    ) -> list[DenseHit]:
        """The `k` rows most similar to `query` among those `mask` allows, best first."""
        if len(self) == 0 or k <= 0:
            return []
        # Rows without a vector never match; the graph holds just the others.
        mask = self._has_vector if mask is None else mask & self._has_vector
        if self.graph is not None:
            allowed = int(np.count_nonzero(mask))
            if allowed >= GRAPH_MIN_FILTER_SHARE * len(self.graph.positions):
                unfiltered = allowed == len(self.graph.positions)
                rows, found = self.graph.search(query, k, None if unfiltered else mask)
                return [
                    DenseHit(int(row), float(score)) for row, score in zip(rows, found, strict=True)
                ]
            return self._scan(query, k, np.flatnonzero(mask))
        scores = self.table.matrix @ query
        scores = np.where(mask, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ordered = top[np.argsort(-scores[top])]
        return [DenseHit(int(row), float(scores[row])) for row in ordered if scores[row] > -np.inf]

    def _scan(self, query: npt.NDArray[np.float32], k: int, rows: Rows) -> list[DenseHit]:
        """Exact scores of just `rows` (a selective filter's few)."""
        if len(rows) == 0:
            return []
        scores = self.table.matrix[rows] @ query
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ordered = top[np.argsort(-scores[top])]
        return [DenseHit(int(rows[i]), float(scores[i])) for i in ordered]
