"""Dense top-10 at 100k and 1M synthetic 384-d vectors on this machine's cores.

Run: make bench-deps && .venv/bin/python -m benchmarks.dense_scale [--sizes 100000 1000000]
Data: unit vectors around 2,000 random centres (clustered like real embeddings, not noise);
queries come from the same distribution and are not in the set. Side by side in one run:
our DenseIndex (IVF above 100k rows), numpy float32 exact search, and sqlite-vec's vec0
exact KNN. Prints p50 latency, recall@10 against exact, and the ratios.
Target (issue 5): at 1M, <= 10 ms p50 with recall@10 >= 0.95, >= 5x numpy, >= 40x sqlite-vec.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

from benchmarks.harness import header
from buddy.retrieval.dense import DenseIndex
from buddy.storage.records import VectorTable

DIM = 384
Vectors = npt.NDArray[np.float32]


def clustered(count: int, centres: Vectors, rng: np.random.Generator) -> Vectors:
    picks = rng.integers(0, len(centres), count)
    points = centres[picks] + rng.normal(0, 0.045, (count, DIM)).astype(np.float32)
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


def run(size: int, queries_count: int, rng: np.random.Generator) -> None:
    centres = rng.normal(0, 1, (2000, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    matrix = clustered(size, centres, rng)
    queries = clustered(queries_count, centres, rng)
    table = VectorTable(
        [str(i) for i in range(size)], [""] * size, [""] * size, [()] * size, matrix
    )
    started = time.perf_counter()
    index = DenseIndex(table)
    build = time.perf_counter() - started
    ours_ms, ours = timed(lambda q: [hit.row for hit in index.search(q, 10, None)], queries)
    numpy_ms, exact = timed(lambda q: exact_top(matrix, q, 10), queries)
    started = time.perf_counter()
    vec_search = sqlite_vec_search(matrix)
    vec_load = time.perf_counter() - started
    vec_ms, vec = timed(vec_search, queries[: max(5, queries_count // 10)])
    recall = statistics.mean(len(a & b) / 10 for a, b in zip(ours, exact, strict=True))
    vec_recall = statistics.mean(len(a & b) / 10 for a, b in zip(vec, exact, strict=False))
    print(f"{size:>9,} vectors  (index build {build:.1f} s, sqlite-vec load {vec_load:.1f} s)")
    print(f"  ours (DenseIndex)   p50 {ours_ms:8.2f} ms  recall@10 {recall:.3f}")
    print(f"  numpy exact         p50 {numpy_ms:8.2f} ms  recall@10 1.000")
    print(f"  sqlite-vec (vec0)   p50 {vec_ms:8.2f} ms  recall@10 {vec_recall:.3f}")
    print(
        f"  ours vs numpy {numpy_ms / ours_ms:5.1f}x faster, vs sqlite-vec {vec_ms / ours_ms:6.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    header("dense search at scale: exact vs IVF")
    rng = np.random.default_rng(7)
    for size in args.sizes:
        run(size, args.queries, rng)


if __name__ == "__main__":
    main()
