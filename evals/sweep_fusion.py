"""Sweep the hybrid-search fusion weights on an already ingested store; prints one line each.

Run: BUDDY_DATA_DIR=... .venv/bin/python -m evals.sweep_fusion evals/retrieval/sk-docs.jsonl
This is how the defaults in `FusionWeights` were chosen (see README).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from buddy.config import load_settings
from buddy.retrieval.eval import evaluate, load_eval
from buddy.retrieval.search import FusionWeights
from buddy.services import open_services


async def main(path: Path) -> None:
    rows = load_eval(path)
    async with open_services(load_settings()) as services:
        for dense in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
            for penalty in (0.7, 0.85, 1.0):
                services.kb.weights = FusionWeights(dense, 1 - dense, penalty)
                result = await evaluate(services.kb, rows, 5)
                print(
                    f"dense {dense:.1f} keyword {1 - dense:.1f} penalty {penalty:.2f}: "
                    f"recall@5 {result.recall_5:.3f} recall@10 {result.recall_10:.3f} "
                    f"MRR@10 {result.mrr_10:.3f}"
                )


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
