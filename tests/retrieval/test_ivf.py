"""The IVF index chooses its probe count on the data: few where clusters are tight, many where
embeddings spread, and recall@10 at the target either way."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from buddy.retrieval.dense import DenseIndex
from buddy.retrieval.ivf import RECALL_TARGET, IvfIndex
from buddy.storage.records import VectorTable

Vectors = npt.NDArray[np.float32]


def unit(points: npt.NDArray[np.float64]) -> Vectors:
    normalised: Vectors = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(
        np.float32
    )
    return normalised


def points(count: int, centres: int, noise: float, seed: int) -> Vectors:
    rng = np.random.default_rng(seed)
    middles = rng.normal(0, 1, (centres, 64))
    middles /= np.linalg.norm(middles, axis=1, keepdims=True)
    return unit(middles[rng.integers(0, centres, count)] + rng.normal(0, noise, (count, 64)))


def held_out_recall(index: IvfIndex, vectors: Vectors, seed: int) -> float:
    """Recall@10 of rows the calibration did not draw (another seed), each excluding itself."""
    rows = np.random.default_rng(seed).choice(len(vectors), 60, replace=False)
    found = 0
    for row in rows:
        scores = vectors @ vectors[row]
        scores[row] = -np.inf
        truth = set(np.argsort(-scores)[:10].tolist())
        hits, _ = index.search(vectors[row], 11)
        found += len(truth & (set(hits.tolist()) - {int(row)}))
    return found / (10 * len(rows))


def test_spread_data_gets_more_probes_and_keeps_its_recall() -> None:
    vectors = points(12_000, 2000, 0.35, seed=5)  # neighbours in other clusters: hard for IVF
    fixed = IvfIndex(vectors, probes=8)
    calibrated = IvfIndex(vectors)
    assert held_out_recall(fixed, vectors, seed=9) < 0.8  # what a fixed count silently gives
    assert calibrated.probes > 8
    assert calibrated.calibrated_recall is not None
    assert calibrated.calibrated_recall >= RECALL_TARGET
    assert held_out_recall(calibrated, vectors, seed=9) >= RECALL_TARGET - 0.03


def test_tight_clusters_need_few_probes() -> None:
    vectors = points(12_000, 60, 0.05, seed=6)
    index = IvfIndex(vectors)
    assert index.probes <= index.lists // 4
    assert held_out_recall(index, vectors, seed=9) >= RECALL_TARGET - 0.03


def test_a_target_only_an_exact_scan_reaches_searches_every_list() -> None:
    vectors = points(3000, 3000, 1.0, seed=7)
    index = IvfIndex(vectors, recall_target=1.0)
    assert index.probes == index.lists
    assert held_out_recall(index, vectors, seed=9) == 1.0


def as_table(vectors: Vectors) -> VectorTable:
    count = len(vectors)
    return VectorTable(
        [str(i) for i in range(count)], [""] * count, [""] * count, [()] * count, vectors
    )


def test_the_dense_index_scans_exactly_where_ivf_would_cost_more() -> None:
    spread = as_table(points(12_000, 2000, 0.35, seed=5))
    assert DenseIndex(spread, ivf_min_rows=1000).ivf is None
    tight = as_table(points(12_000, 60, 0.05, seed=6))
    assert DenseIndex(tight, ivf_min_rows=1000).ivf is not None


class CountingIvf(IvfIndex):
    searches = 0

    def search(
        self, query: Vectors, k: int, mask: npt.NDArray[np.bool_] | None = None
    ) -> tuple[npt.NDArray[np.int64], Vectors]:
        CountingIvf.searches += 1
        return super().search(query, k, mask)


def test_calibration_gives_up_past_the_share_worth_probing() -> None:
    vectors = unit(np.random.default_rng(8).normal(0, 1, (12_000, 64)))  # no clusters at all
    CountingIvf.searches = 0
    index = CountingIvf(vectors, max_probed_share=0.1)
    # 8 probes, then the cap (a tenth of the lists) missed the target: every list, exact.
    assert index.probes == index.lists
    assert index.calibrated_recall == 1.0
    assert CountingIvf.searches == 2 * 96  # two probe counts tried on 96 sample queries
    assert held_out_recall(index, vectors, seed=9) == 1.0
