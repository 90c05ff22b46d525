"""The dense index: exact below the graph threshold, near-exact above it, filters inside."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from buddy.retrieval.dense import DenseIndex, Mask
from buddy.storage.records import VectorTable


def clustered_table(count: int, seed: int = 3) -> VectorTable:
    """Spread clusters (neighbours across several), tags by parity plus a rare one."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (40, 64)).astype(np.float32)
    points = centres[rng.integers(0, 40, count)] + rng.normal(0, 0.3, (count, 64))
    matrix = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
    tags: list[tuple[str, ...]] = [("even",) if i % 2 == 0 else ("odd",) for i in range(count)]
    tags = [(*row, "rare") if i % 25 == 0 else row for i, row in enumerate(tags)]
    languages = ["csharp" if i % 3 else "python" for i in range(count)]
    return VectorTable([f"c{i}" for i in range(count)], ["p"] * count, languages, tags, matrix)


def exact(table: VectorTable, query: npt.NDArray[np.float32], k: int, mask: Mask) -> list[int]:
    scores = np.where(mask, table.matrix @ query, -np.inf)
    return [int(i) for i in np.argsort(-scores)[:k]]


def queries(table: VectorTable, count: int) -> list[npt.NDArray[np.float32]]:
    rng = np.random.default_rng(11)
    found = []
    for row in rng.integers(0, len(table.ids), count):
        query = table.matrix[row] + rng.normal(0, 0.05, (table.matrix.shape[1],)).astype(np.float32)
        found.append(query / np.linalg.norm(query))
    return found


def mean_recall(index: DenseIndex, mask: Mask) -> float:
    recalls = []
    for query in queries(index.table, 50):
        found = {hit.row for hit in index.search(query, 10, mask)}
        recalls.append(len(found & set(exact(index.table, query, 10, mask))) / 10)
    return float(np.mean(recalls))


def test_graph_top10_matches_exact_search_with_and_without_filters() -> None:
    index = DenseIndex(clustered_table(6000), graph_min_rows=1000)
    assert index.graph is not None
    assert mean_recall(index, index.mask()) >= 0.95
    # A third of the rows pass: the graph searches with a selector, deeper.
    assert mean_recall(index, index.mask(tags=["odd"], languages=["csharp"])) >= 0.95


def test_filters_hold_in_every_mode() -> None:
    table = clustered_table(3000)
    query = table.matrix[5]
    graph = DenseIndex(table, graph_min_rows=1000)
    for index in (DenseIndex(table), graph):
        for mask in (index.mask(tags=["odd"], languages=["csharp"]), index.mask(tags=["rare"])):
            hits = index.search(query, 10, mask)
            assert len(hits) == 10
            assert all(mask[hit.row] for hit in hits)
            assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # A filter passing 4 % of the rows is scored exactly, row by row.
    rare = graph.mask(tags=["rare"])
    assert [hit.row for hit in graph.search(query, 10, rare)] == exact(table, query, 10, rare)


def test_rows_without_vectors_never_match() -> None:
    table = clustered_table(2000)
    table.matrix[:1000] = 0.0
    for index in (DenseIndex(table), DenseIndex(table, graph_min_rows=500)):
        hits = index.search(table.matrix[1500], 1500, index.mask())
        assert len(hits) == 1000
        assert all(hit.row >= 1000 for hit in hits)
        assert len(index.search(table.matrix[1500], 10)) == 10
