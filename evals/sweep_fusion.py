"""Sweep the hybrid-search fusion on an already ingested store, on one or more eval splits;
prints one line per setting and split.

Run: BUDDY_DATA_DIR=... .venv/bin/python -m evals.sweep_fusion evals/retrieval/sk-docs.jsonl \
         evals/retrieval/sk-docs-hard.jsonl
This is how the defaults in `FusionWeights` were chosen (see README): the min-max blend at
several dense weights and language penalties, and reciprocal-rank fusion at several constants.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from buddy.config import load_settings
from buddy.retrieval.eval import evaluate, load_eval
from buddy.retrieval.search import FusionWeights
from buddy.services import open_services

BLENDS = [
    FusionWeights(dense, 1 - dense, penalty)
    for dense in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
    for penalty in (0.7, 0.85, 1.0)
]
RANK_FUSIONS = [
    FusionWeights(dense, 1 - dense, 0.85, rrf_k=k)
    for k in (5, 20, 60)
    for dense in (0.4, 0.5, 0.6, 0.7)
]


def _name(weights: FusionWeights) -> str:
    method = f"rrf k={weights.rrf_k:<3}" if weights.rrf_k else "min-max   "
    return (
        f"{method} dense {weights.dense:.1f} keyword {weights.keyword:.1f} "
        f"penalty {weights.other_language_penalty:.2f}"
    )


async def main(paths: list[Path]) -> None:
    splits = {path.stem: load_eval(path) for path in paths}
    async with open_services(load_settings()) as services:
        for weights in [*BLENDS, *RANK_FUSIONS]:
            services.kb.weights = weights
            for name, rows in splits.items():
                result = await evaluate(services.kb, rows, 5)
                print(
                    f"{_name(weights)} {name:<14} recall@5 {result.recall_5:.3f} "
                    f"recall@10 {result.recall_10:.3f} MRR@10 {result.mrr_10:.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    asyncio.run(main([Path(arg) for arg in sys.argv[1:]]))
