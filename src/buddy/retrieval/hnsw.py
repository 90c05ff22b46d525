"""A graph index (HNSW, from faiss) for large vector sets, its search depth set by the data.

Vectors are stored as float16 codes in the graph (half the memory of a second float32 copy);
the few rows a search returns are scored again from the exact float32 table, so scores and
their order are exact.

How deep a query must search (faiss's efSearch) depends on the data: tight clusters need
little, spread embeddings more, and data without structure more than any depth that beats a
scan. So it is not a constant: at build time rows drawn from the data are held out of the
graph and serve as queries, and the smallest depth whose recall@10 against an exact scan
reaches RECALL_TARGET is kept. When even MAX_EXPANSION misses, `expansion` is None and the
caller scans instead of returning fast, wrong answers.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
RECALL_TARGET = 0.95
# Links per node (faiss's M) and insertion depth (efConstruction): a build-time cost fixed
# here rather than calibrated, since each try is a full rebuild (minutes at 1M rows).
CONNECTIVITY = 16
EXPANSION_ADD = 64
# Beyond this depth a search costs a sizeable share of a scan (benchmarks/dense_scale.py).
MAX_EXPANSION = 1024
_FIRST_EXPANSION = 16
# Neighbours in a tight cluster differ in the fourth decimal, where float16 codes reorder
# them: the graph returns twice as many and the float32 table picks the best.
_OVERFETCH = 2
_CALIBRATION_QUERIES = 96
_CALIBRATION_K = 10
# The sample's mean is an estimate (about +-0.01 at 96 queries): aim above the target.
_CALIBRATION_MARGIN = 0.02


class HnswIndex:
    """HNSW over the rows `positions` of `matrix`; answers are rows of `matrix`."""

    def __init__(
        self, matrix: Vectors, positions: Rows, recall_target: float = RECALL_TARGET
    ) -> None:
        self.matrix = matrix
        rng = np.random.default_rng(1)
        held = rng.choice(len(positions), min(_CALIBRATION_QUERIES, len(positions) // 10), False)
        # Graph ids are places in `positions`; the held-out rows go last, added after calibration.
        self.positions: Rows = np.concatenate([np.delete(positions, held), positions[held]])
        inserted = len(positions) - len(held)
        self._graph: Any = faiss.IndexHNSWSQ(
            matrix.shape[1], faiss.ScalarQuantizer.QT_fp16, CONNECTIVITY, faiss.METRIC_INNER_PRODUCT
        )
        self._graph.hnsw.efConstruction = EXPANSION_ADD
        vectors = np.ascontiguousarray(matrix[self.positions])
        self._graph.train(vectors)  # fp16 needs no statistics; faiss still asks for the call
        self._graph.add(vectors[:inserted])
        self.expansion, self.calibrated_recall = self._calibrate(
            vectors[:inserted], vectors[inserted:], recall_target
        )
        self._graph.add(vectors[inserted:])

    def memory_bytes(self) -> int:
        """The graph's size: codes and links (the float32 table it rescores from not counted)."""
        graph = self._graph
        links = graph.hnsw.neighbors.size() * 4 + graph.hnsw.offsets.size() * 8
        return int(
            graph.ntotal * faiss.downcast_index(graph.storage).code_size
            + links
            + graph.hnsw.levels.size() * 4
        )

    def _calibrate(
        self, inserted: Vectors, queries: Vectors, target: float
    ) -> tuple[int | None, float]:
        """The smallest depth whose recall@10 for `queries` (rows not in the graph yet, like a
        user's question) reaches `target`, found by doubling then bisecting, with the recall
        it measured; None past MAX_EXPANSION. A row already in the graph would be an easy
        query: its own links lead to its neighbours."""
        k = _CALIBRATION_K
        truth = np.argpartition(-(queries @ inserted.T), k - 1, axis=1)[:, :k]

        def recall(expansion: int) -> float:
            _, found = self._graph.search(
                queries, k * _OVERFETCH, params=faiss.SearchParametersHNSW(efSearch=expansion)
            )
            hits = 0
            for want, returned, query in zip(truth, found, queries, strict=True):
                got = returned[returned >= 0]
                best = got[np.argsort(-(inserted[got] @ query))[:k]]
                hits += len(set(want.tolist()) & set(best.tolist()))
            return hits / (k * len(queries))

        wanted = min(1.0, target + _CALIBRATION_MARGIN)
        low, high = 0, _FIRST_EXPANSION
        measured = recall(high)
        while measured < wanted and high < MAX_EXPANSION:
            low, high = high, high * 2
            measured = recall(high)
        if measured < wanted:
            return None, measured
        best = (high, measured)
        # recall(low) < wanted <= recall(high); to within an eighth, each try being 96 searches.
        while high - low > max(1, high // 8):
            middle = (low + high) // 2
            found = recall(middle)
            if found >= wanted:
                high, best = middle, (middle, found)
            else:
                low = middle
        return best

    def search(self, query: Vectors, k: int, mask: Mask | None = None) -> tuple[Rows, Vectors]:
        """Rows of `matrix` and their exact scores, best first, among rows `mask` allows.
        A mask passing a share s of the rows searches 1/s deeper, so as many pass."""
        if self.expansion is None:
            raise ValueError("this graph missed its recall target: scan instead")
        expansion = max(self.expansion, k)
        params = faiss.SearchParametersHNSW(efSearch=expansion)
        if mask is not None:
            allowed = mask[self.positions]
            share = max(float(np.count_nonzero(allowed)) / len(allowed), 1e-9)
            bits = np.packbits(allowed, bitorder="little")  # alive until the search returns
            params = faiss.SearchParametersHNSW(
                efSearch=min(int(expansion / share), len(allowed)),
                sel=faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits)),
            )
        _, found = self._graph.search(query[None, :], k * _OVERFETCH, params=params)
        rows: Rows = self.positions[found[0][found[0] >= 0]]
        scores: Vectors = self.matrix[rows] @ query
        order = np.argsort(-scores, kind="stable")[:k]
        return rows[order], scores[order]
