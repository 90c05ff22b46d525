"""The graph index chooses its search depth on the data: shallow where clusters are tight,
deeper where embeddings spread, and none at all where no depth reaches the target."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from buddy.retrieval.hnsw import RECALL_TARGET, HnswIndex

Vectors = npt.NDArray[np.float32]


def unit(points: npt.NDArray[np.float64]) -> Vectors:
    normalised: Vectors = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(
        np.float32
    )
    return normalised


def points(count: int, centres: int, noise: float, seed: int, dimension: int = 64) -> Vectors:
    rng = np.random.default_rng(seed)
    middles = rng.normal(0, 1, (centres, dimension))
    middles /= np.linalg.norm(middles, axis=1, keepdims=True)
    spread = rng.normal(0, noise, (count, dimension))
    return unit(middles[rng.integers(0, centres, count)] + spread)


def graph_of(vectors: Vectors, recall_target: float = RECALL_TARGET) -> HnswIndex:
    return HnswIndex(vectors, np.arange(len(vectors)), recall_target)


def recall(index: HnswIndex, vectors: Vectors, queries: Vectors) -> float:
    """Recall@10 of queries the graph has never seen, against an exact scan."""
    found = 0
    for query in queries:
        truth = set(np.argsort(-(vectors @ query))[:10].tolist())
        hits, _ = index.search(query, 10)
        found += len(truth & set(hits.tolist()))
    return found / (10 * len(queries))


def test_spread_data_searches_deeper_and_keeps_its_recall() -> None:
    drawn = points(12_060, 2000, 0.35, seed=5)  # neighbours in other clusters: hard
    vectors, queries = drawn[:12_000], drawn[12_000:]
    index = graph_of(vectors)
    calibrated = index.expansion
    assert calibrated is not None
    assert index.calibrated_recall >= RECALL_TARGET
    deep = recall(index, vectors, queries)
    assert deep >= RECALL_TARGET - 0.02
    index.expansion = 10
    assert recall(index, vectors, queries) < deep - 0.05  # what the depth buys
    tight = graph_of(points(12_000, 60, 0.05, seed=6))
    assert tight.expansion is not None
    assert tight.expansion < calibrated


def test_a_target_no_depth_reaches_leaves_no_graph() -> None:
    vectors = points(20_000, 1, 1.0, seed=7, dimension=256)  # nearly uniform on the sphere
    index = graph_of(vectors, recall_target=1.0)
    assert index.expansion is None  # so DenseIndex keeps no graph and scans
    assert index.calibrated_recall < 1.0
