"""Dense top-10 at 100k and 1M synthetic 384-d vectors on this machine's cores, on data of
several difficulties.

Run: make install-bench && .venv/bin/python -m benchmarks.dense_scale [--sizes 100000 1000000]
Data: unit vectors around random centres; queries come from the same distribution and are not
in the set. The levels, easiest first (each prints its median 10th-neighbour cosine; the shared
docs corpus embedded by MiniLM has 0.685 at 2,973 chunks, p10 0.57, p90 0.79):
  tight       noise 0.045 around 2,000 centres (every neighbour in its own cluster)
  spread      noise 0.08 around 2,000 centres
  many        noise 0.06 around 20,000 centres (neighbours across small clusters)
  unclustered uniform on the sphere (nothing for IVF to use)
Side by side in one run: our DenseIndex (IVF above 100k rows, probe count calibrated on the
data at build time for recall@10 >= 0.95), numpy float32 exact search, and, on the first
level, sqlite-vec's vec0 exact KNN. Prints p50 latency, recall@10 against exact, the probes
chosen and the ratios.
Target: at 1M, <= 10 ms p50 with recall@10 >= 0.95 on every level.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

from benchmarks.harness import header
from buddy.retrieval.dense import DenseIndex
from buddy.storage.records import VectorTable

DIM = 384
Vectors = npt.NDArray[np.float32]


LEVELS = {
    "tight": (2000, 0.045),
    "spread": (2000, 0.08),
    "many": (20_000, 0.06),
    "unclustered": (1, 0.0),
}


def clustered(count: int, centres: Vectors, rng: np.random.Generator, noise: float) -> Vectors:
    if noise == 0.0:  # unclustered: uniform directions
        uniform = rng.normal(0, 1, (count, DIM)).astype(np.float32)
        directions: Vectors = (uniform / np.linalg.norm(uniform, axis=1, keepdims=True)).astype(
            np.float32
        )
        return directions
    picks = rng.integers(0, len(centres), count)
    points = centres[picks] + rng.normal(0, noise, (count, DIM)).astype(np.float32)
    normalised: Vectors = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(
        np.float32
    )
    return normalised


def exact_top(matrix: Vectors, query: Vectors, k: int) -> list[int]:
    scores = matrix @ query
    top = np.argpartition(-scores, k - 1)[:k]
    return [int(row) for row in top[np.argsort(-scores[top])]]


def timed(fn: Callable[[Vectors], Iterable[int]], queries: Vectors) -> tuple[float, list[set[int]]]:
    latencies, results = [], []
    for query in queries:
        started = time.perf_counter()
        found = fn(query)
        latencies.append((time.perf_counter() - started) * 1000)
        results.append({int(i) for i in found})
    return statistics.median(latencies), results


def sqlite_vec_search(matrix: Vectors) -> Callable[[Vectors], list[int]]:
    # Benchmark-only extras; apsw because this Python's sqlite3 cannot load extensions.
    import apsw  # noqa: PLC0415
    import sqlite_vec  # noqa: PLC0415

    conn = apsw.Connection(":memory:")
    conn.enable_load_extension(True)
    conn.load_extension(sqlite_vec.loadable_path())
    conn.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{DIM}])")
    with conn:
        conn.executemany(
            "INSERT INTO v(rowid, embedding) VALUES (?, ?)",
            ((i, row.tobytes()) for i, row in enumerate(matrix)),
        )

    def search(query: Vectors) -> list[int]:
        rows = conn.execute(
            "SELECT rowid FROM v WHERE embedding MATCH ? AND k = 10 ORDER BY distance",
            (query.tobytes(),),
        ).fetchall()
        return [int(str(row[0])) for row in rows]

    return search


def run(size: int, queries_count: int, rng: np.random.Generator, level: str) -> None:
    centre_count, noise = LEVELS[level]
    centres = rng.normal(0, 1, (centre_count, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    matrix = clustered(size, centres, rng, noise)
    queries = clustered(queries_count, centres, rng, noise)
    table = VectorTable(
        [str(i) for i in range(size)], [""] * size, [""] * size, [()] * size, matrix
    )
    started = time.perf_counter()
    index = DenseIndex(table)
    build = time.perf_counter() - started
    ours_ms, ours = timed(lambda q: [hit.row for hit in index.search(q, 10, None)], queries)
    numpy_ms, exact = timed(lambda q: exact_top(matrix, q, 10), queries)
    tenth = statistics.median(
        float((matrix @ q)[sorted(e)].min()) for q, e in zip(queries, exact, strict=True)
    )
    recall = statistics.mean(len(a & b) / 10 for a, b in zip(ours, exact, strict=True))
    ivf = index.ivf
    probes = f"{ivf.probes}/{ivf.lists} lists probed" if ivf else "exact: IVF would cost more"
    print(f"{size:>9,} vectors, {level} (10th-neighbour cosine {tenth:.3f}; build {build:.1f} s)")
    print(f"  ours (DenseIndex)   p50 {ours_ms:8.2f} ms  recall@10 {recall:.3f}  ({probes})")
    print(f"  numpy exact         p50 {numpy_ms:8.2f} ms  recall@10 1.000")
    print(f"  ours vs numpy {numpy_ms / ours_ms:5.1f}x faster")
    if level == "tight":
        started = time.perf_counter()
        vec_search = sqlite_vec_search(matrix)
        vec_load = time.perf_counter() - started
        vec_ms, vec = timed(vec_search, queries[: max(5, queries_count // 10)])
        vec_recall = statistics.mean(len(a & b) / 10 for a, b in zip(vec, exact, strict=False))
        print(
            f"  sqlite-vec (vec0)   p50 {vec_ms:8.2f} ms  recall@10 {vec_recall:.3f}  "
            f"(load {vec_load:.1f} s; ours {vec_ms / ours_ms:6.1f}x faster)"
        )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--levels", nargs="+", choices=list(LEVELS), default=list(LEVELS))
    args = parser.parse_args()
    header("dense search at scale: exact vs IVF, on data of four difficulties")
    rng = np.random.default_rng(7)
    for size in args.sizes:
        for level in args.levels:
            run(size, args.queries, rng, level)


if __name__ == "__main__":
    main()
