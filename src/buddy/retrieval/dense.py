"""Exact dense search over an in-memory float32 matrix, filters applied inside the scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from buddy.retrieval.ivf import IvfIndex
from buddy.storage.records import VectorTable

# Below this many rows an exact scan takes about a millisecond; above it, IVF.
IVF_MIN_ROWS = 100_000
# Past this share of lists probed, one exact matrix-vector product beats many small ones
# (benchmarks/dense_scale.py: at 100k, half the lists probed took 1.1x an exact scan).
IVF_MAX_PROBED_SHARE = 0.35

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DenseHit:
    row: int
    score: float


class DenseIndex:
    """Rows of unit vectors: an exact matrix-vector product for small sets, IVF for large
    ones whose clusters let IVF reach its recall target cheaply, exact again otherwise."""

    def __init__(self, table: VectorTable, ivf_min_rows: int = IVF_MIN_ROWS) -> None:
        self.table = table
        self.ivf = (
            IvfIndex(table.matrix, max_probed_share=IVF_MAX_PROBED_SHARE)
            if len(table.ids) >= ivf_min_rows
            else None
        )
        if self.ivf is not None and self.ivf.probes > IVF_MAX_PROBED_SHARE * self.ivf.lists:
            # Spread data: reaching the recall target would cost more than an exact scan.
            self.ivf = None
        self._tag_masks: dict[str, Mask] = {}
        self._languages = np.array(table.languages, dtype=object)
        # Chunks stored without a vector (keyword-only) never take part in dense search.
        self._has_vector: Mask = np.any(table.matrix != 0, axis=1)

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
        if len(self) == 0 or k <= 0:
            return []
        if self.ivf is not None:
            rows, found = self.ivf.search(query, k, mask)
            return [
                DenseHit(int(row), float(score)) for row, score in zip(rows, found, strict=True)
            ]
        scores = self.table.matrix @ query
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ordered = top[np.argsort(-scores[top])]
        return [DenseHit(int(row), float(scores[row])) for row in ordered if scores[row] > -np.inf]
