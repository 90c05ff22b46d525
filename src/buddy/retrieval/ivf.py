"""An inverted-file (IVF) index for large vector sets: exact scores inside a few clusters.

Vectors are grouped by their nearest of `lists` centroids (spherical k-means on a sample)
and stored contiguously per group. A query scores the centroids, then only the rows of the
`probes` best groups, one matrix-vector product per group (views, no copies).

How many groups a query must visit depends on the data: tight clusters need a few, spread
embeddings many. So the probe count is not a constant: at build time rows drawn from the data
serve as held-out queries (each one's own row excluded from both answers), and the smallest
probe count whose recall@10 against an exact scan reaches RECALL_TARGET is kept. On data
where IVF cannot help, that count approaches every group, and the index says so through
`probes` rather than returning fast, wrong answers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]
# k-means sees a sample, not every row. On the spread level of benchmarks/dense_scale.py at 1M
# rows (1,000 lists), a sample of 65,536 needed 299 probes for recall@10 0.95 (15 ms a query);
# 262,144 needed 11 with 12 rounds and 1 with 20 (0.1-0.6 ms), building in about 30 s
# instead of 49: well-placed centroids keep each cluster in few lists. Copying the sample
# costs 400 MB at 384 dimensions while the index builds.
_TRAIN_SAMPLE = 262_144
_TRAIN_ROUNDS = 16
_ASSIGN_BATCH = 32_768
RECALL_TARGET = 0.95
_CALIBRATION_QUERIES = 96
_CALIBRATION_K = 10
_CALIBRATION_MARGIN = 0.01  # the sample's mean is an estimate: aim a little above the target


def _normalise_rows(matrix: Vectors) -> Vectors:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: Vectors = (matrix / norms).astype(np.float32)
    return normalised


def _nearest(vectors: Vectors, centroids: Vectors) -> npt.NDArray[np.int64]:
    out = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), _ASSIGN_BATCH):
        block = vectors[start : start + _ASSIGN_BATCH]
        out[start : start + len(block)] = np.argmax(block @ centroids.T, axis=1)
    return out


def train_centroids(vectors: Vectors, lists: int, seed: int = 0) -> Vectors:
    """Spherical k-means on a sample of the rows."""
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(len(vectors), min(len(vectors), _TRAIN_SAMPLE), replace=False)]
    centroids = sample[rng.choice(len(sample), lists, replace=False)].copy()
    for _ in range(_TRAIN_ROUNDS):
        assignment = _nearest(sample, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assignment, sample)
        empty = np.bincount(assignment, minlength=lists) == 0
        sums[empty] = sample[rng.choice(len(sample), int(empty.sum()), replace=False)]
        centroids = _normalise_rows(sums)
    return centroids


class IvfIndex:
    def __init__(
        self,
        vectors: Vectors,
        lists: int | None = None,
        probes: int | None = None,
        recall_target: float = RECALL_TARGET,
        max_probed_share: float = 1.0,
    ) -> None:
        """`probes=None` calibrates the probe count on the data for `recall_target`; when
        more than `max_probed_share` of the lists would be needed, calibration stops there
        and every list is probed (an exact answer, and a sign IVF does not pay here)."""
        count = len(vectors)
        self.lists = lists or max(16, int(np.sqrt(count)))
        self.centroids = train_centroids(vectors, self.lists)
        assignment = _nearest(vectors, self.centroids)
        self.order = np.argsort(assignment, kind="stable")  # position -> original row
        self.sorted = np.ascontiguousarray(vectors[self.order])
        counts = np.bincount(assignment, minlength=self.lists)
        self.offsets = np.concatenate([[0], np.cumsum(counts)])
        self.calibrated_recall: float | None = None
        if probes is None:
            most = max(1, int(max_probed_share * self.lists))
            self.probes, self.calibrated_recall = self._calibrate(vectors, recall_target, most)
        else:
            self.probes = min(probes, self.lists)

    def _calibrate(self, vectors: Vectors, target: float, most: int) -> tuple[int, float]:
        """The smallest probe count whose recall@10 on held-out rows reaches `target`, found
        by doubling then bisecting; returns it with the recall it measured. Past `most`
        probes the search stops: every list, which is exact."""
        rng = np.random.default_rng(1)
        rows = rng.choice(len(vectors), min(_CALIBRATION_QUERIES, len(vectors)), replace=False)
        queries = vectors[rows]
        k = _CALIBRATION_K
        exact = []
        for query, row in zip(queries, rows, strict=True):
            scores = vectors @ query
            scores[row] = -np.inf  # held out: a query must not find itself
            top = np.argpartition(-scores, k - 1)[:k]
            exact.append(set(top.tolist()))

        def recall(probes: int) -> float:
            self.probes = probes
            found = 0
            for query, row, truth in zip(queries, rows, exact, strict=True):
                hits, _ = self.search(query, k + 1)
                found += len(truth & (set(hits.tolist()) - {int(row)}))
            return found / (k * len(queries))

        wanted = min(1.0, target + _CALIBRATION_MARGIN)
        most = min(most, self.lists)
        low, high = 0, min(8, most)
        measured = recall(high)
        while measured < wanted and high < most:
            low, high = high, min(high * 2, most)
            measured = recall(high)
        if measured < wanted:
            # Each doubling near the end costs nearly a scan per sample query: stop early.
            self.probes = self.lists
            return self.lists, 1.0
        best = (high, measured)
        while measured >= wanted and high - low > 1:  # recall(low) < wanted <= recall(high)
            middle = (low + high) // 2
            found = recall(middle)
            if found >= wanted:
                high, best = middle, (middle, found)
            else:
                low = middle
        self.probes = best[0]
        return best

    def search(
        self, query: Vectors, k: int, mask: Mask | None = None
    ) -> tuple[npt.NDArray[np.int64], Vectors]:
        """Original row numbers and scores of the best `k` rows in the probed lists."""
        if self.probes >= self.lists:
            probed = np.arange(self.lists)
        else:
            probed = np.argpartition(-(self.centroids @ query), self.probes - 1)[: self.probes]
        rows: list[npt.NDArray[np.int64]] = []
        scores: list[Vectors] = []
        for group in probed:
            start, end = int(self.offsets[group]), int(self.offsets[group + 1])
            if start == end:
                continue
            part = self.sorted[start:end] @ query
            original = self.order[start:end]
            if mask is not None:
                part = np.where(mask[original], part, -np.inf).astype(np.float32)
            rows.append(original)
            scores.append(part)
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        all_rows, all_scores = np.concatenate(rows), np.concatenate(scores)
        k = min(k, len(all_scores))
        top = np.argpartition(-all_scores, k - 1)[:k]
        top = top[np.argsort(-all_scores[top])]
        keep = all_scores[top] > -np.inf
        return all_rows[top][keep], all_scores[top][keep]
