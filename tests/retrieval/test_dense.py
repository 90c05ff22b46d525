"""The dense index: exact below the IVF threshold, near-exact above it, filters inside."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from buddy.retrieval.dense import DenseIndex
from buddy.storage.records import VectorTable


def clustered_table(count: int, seed: int = 3) -> VectorTable:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (40, 64)).astype(np.float32)
    points = centres[rng.integers(0, 40, count)] + rng.normal(0, 0.3, (count, 64))
    matrix = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
    tags: list[tuple[str, ...]] = [("even",) if i % 2 == 0 else ("odd",) for i in range(count)]
    languages = ["csharp" if i % 3 else "python" for i in range(count)]
    return VectorTable([f"c{i}" for i in range(count)], ["p"] * count, languages, tags, matrix)


def exact(table: VectorTable, query: npt.NDArray[np.float32], k: int) -> list[int]:
    scores = table.matrix @ query
    return [int(i) for i in np.argsort(-scores)[:k]]


def test_ivf_top10_matches_exact_search() -> None:
    table = clustered_table(6000)
    ivf = DenseIndex(table, ivf_min_rows=1000)
    rng = np.random.default_rng(11)
    recalls = []
    for row in rng.integers(0, 6000, 50):
        query = table.matrix[row] + rng.normal(0, 0.05, 64).astype(np.float32)
        query /= np.linalg.norm(query)
        found = {hit.row for hit in ivf.search(query, 10, ivf.mask())}
        recalls.append(len(found & set(exact(table, query, 10))) / 10)
    assert float(np.mean(recalls)) >= 0.95


def test_filters_hold_in_both_modes() -> None:
    table = clustered_table(3000)
    query = table.matrix[5]
    for index in (DenseIndex(table), DenseIndex(table, ivf_min_rows=1000)):
        hits = index.search(query, 10, index.mask(tags=["odd"], languages=["csharp"]))
        assert len(hits) == 10
        assert all(hit.row % 2 == 1 and hit.row % 3 != 0 for hit in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_rows_without_vectors_never_match() -> None:
    table = clustered_table(200)
    table.matrix[:100] = 0.0
    index = DenseIndex(table)
    hits = index.search(table.matrix[150], 150, index.mask())
    assert len(hits) == 100
    assert all(hit.row >= 100 for hit in hits)
