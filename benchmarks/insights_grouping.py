"""Insights grouping: which similarity threshold groups paraphrased questions best, and how
many distinct wordings can be grouped within the one-second budget of the insights page.

Quality: the labelled set evals/insights/paraphrases.jsonl (questions of our own, labelled by
the documentation page that would answer them; the same task in two libraries is two labels)
is embedded once with the real LocalEmbedder and grouped at each threshold, comparing groups
against their representative and against their running centroid. Pairwise precision, recall,
F1 and the adjusted Rand index are printed for each.

Speed: group_questions end to end (count, embed, group) on distinct wordings built from
question templates, at several sizes with the cap lifted, then 100,000 asks at the default
cap. Nothing is lifted for the quality figures; the speed runs lift `max_distinct` only. Each
size says whether it fits the budget: the point is to show where it stops fitting, so a size
over budget is a figure, not a failure (an error still ends the run).

Run: .venv/bin/python -m benchmarks.insights_grouping [--sizes 200,2000,10000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import header
from buddy.insights.eval import GroupingScore, load_labelled, score_grouping
from buddy.insights.grouping import (
    DEFAULT_MAX_DISTINCT,
    DEFAULT_THRESHOLD,
    assign_groups,
    group_questions,
)
from buddy.retrieval.embedders.base import CachedEmbedder, Embedder
from buddy.retrieval.embedders.local import LocalEmbedder

LABELLED = Path(__file__).resolve().parents[1] / "evals" / "insights" / "paraphrases.jsonl"
BUDGET_S = 1.0

_OPENINGS = (
    "How do I",
    "how can I",
    "What is the right way to",
    "Is it possible to",
    "Best way to",
    "Can someone explain how to",
    "I'm stuck trying to",
    "Any sample showing how to",
)
_TASKS = (
    "stream chat responses with {lib}",
    "call my own C# method as a tool with {lib}",
    "keep chat history between requests in {lib}",
    "add retries for rate limit errors to {lib}",
    "log prompts and token usage from {lib}",
    "get a typed JSON object back using {lib}",
    "register {lib} in dependency injection",
    "send an image to a vision model through {lib}",
    "cancel a slow request made with {lib}",
    "unit test code that depends on {lib}",
    "store embeddings in a vector database with {lib}",
    "run a local model with {lib}",
    "set temperature and max tokens in {lib}",
    "upgrade to the latest version of {lib}",
    "build RAG over PDF files with {lib}",
    "trace calls with OpenTelemetry in {lib}",
    "use managed identity instead of a key with {lib}",
    "pass variables into a prompt template in {lib}",
    "split long documents into chunks for {lib}",
    "make two agents hand work to each other with {lib}",
)
_LIBS = (
    "Semantic Kernel",
    "Microsoft.Extensions.AI",
    "the Agent Framework",
    "Ollama",
    "Azure OpenAI",
    "the OpenAI .NET SDK",
    "Qdrant",
    "Azure AI Search",
    "Redis",
    "ONNX Runtime GenAI",
)
_TAILS = (
    "",
    " in .NET 8",
    " from a console app",
    " in ASP.NET Core",
    " in Blazor",
    " on Linux",
    " inside an Azure Function",
    " in a WPF app",
    " with C# 12",
)


def synthetic_wordings(count: int) -> list[str]:
    """`count` distinct question wordings, shuffled so sizes mix tasks and libraries."""
    pool = [
        f"{opening} {task.format(lib=lib)}{tail}?"
        for opening, task, lib, tail in itertools.product(_OPENINGS, _TASKS, _LIBS, _TAILS)
    ]
    random.Random(17).shuffle(pool)
    if count > len(pool):
        msg = f"only {len(pool)} synthetic wordings"
        raise ValueError(msg)
    return pool[:count]


def _line(label: str, threshold: float, score: GroupingScore, groups: int) -> str:
    return (
        f"   {label:<14} {threshold:.3f}  P {score.precision:.3f}  R {score.recall:.3f}  "
        f"F1 {score.f1:.3f}  ARI {score.adjusted_rand:.3f}  groups {groups}"
    )


async def sweep(embedder: LocalEmbedder) -> None:
    rows = load_labelled(LABELLED)
    # group_questions visits wordings by count (all 1 here), then by length and text.
    rows.sort(key=lambda r: (len(r.question), r.question))
    truth = [row.group for row in rows]
    vectors = await embedder.embed([row.question for row in rows])
    print(f"\n-- quality on {len(rows)} labelled questions, {len(set(truth))} labels")
    print(f"   default threshold: {DEFAULT_THRESHOLD}")
    best: dict[str, tuple[float, float]] = {}
    for against_centroid, label in ((False, "representative"), (True, "centroid")):
        for step in range(23):
            threshold = round(0.40 + 0.025 * step, 3)
            labels = assign_groups(vectors, threshold, against_centroid=against_centroid)
            score = score_grouping(truth, labels)
            print(_line(label, threshold, score, len(set(labels))))
            if score.f1 > best.get(label, (0.0, -1.0))[1]:
                best[label] = (threshold, score.f1)
    for label, (threshold, f1) in best.items():
        print(f"   best F1 against {label}: {f1:.3f} at {threshold:.3f}")


async def timed(embedder: Embedder, asked: list[str], max_distinct: int) -> tuple[float, int]:
    start = time.perf_counter()
    groups = await group_questions(asked, embedder, max_distinct=max_distinct)
    return time.perf_counter() - start, len(groups)


def _verdict(seconds: float) -> str:
    return "within budget" if seconds <= BUDGET_S else "OVER budget"


async def speed(embedder: LocalEmbedder, sizes: list[int]) -> None:
    print(f"\n-- speed: group_questions end to end, budget {BUDGET_S:.1f} s")
    print("   cold: every wording embedded; warm: question vectors kept from the previous")
    print("   refresh and 5% of the wordings are new")
    pool = synthetic_wordings(max(max(sizes) * 21 // 20 + 1, 3000))
    for size in sizes:
        wordings = pool[:size]
        # The cold run fills the cache the warm run then uses.
        cache = CachedEmbedder(embedder, size=2 * size, batches=True)
        cold, groups = await timed(cache, wordings, max_distinct=size)
        vectors = await cache.embed(wordings)
        start = time.perf_counter()
        assign_groups(vectors, DEFAULT_THRESHOLD)
        grouping = time.perf_counter() - start
        warm, _ = await timed(cache, pool[size // 20 : size + size // 20], max_distinct=size)
        print(
            f"   {size:>6} distinct: cold {cold:7.2f} s ({size / cold:4.0f}/s, {_verdict(cold)}), "
            f"warm {warm:6.2f} s ({_verdict(warm)}); grouping alone {grouping * 1000:6.1f} ms; "
            f"top groups {groups}"
        )
    # What the insights page sees: many stored answers, the default cap, no cache.
    weights = 1.0 / np.arange(1, 3001)
    asked = random.Random(7).choices(pool[:3000], weights=weights.tolist(), k=100_000)
    seconds, groups = await timed(embedder, asked, max_distinct=DEFAULT_MAX_DISTINCT)
    print(
        f"   100,000 asks ({len(set(asked))} distinct, Zipf), default cap "
        f"{DEFAULT_MAX_DISTINCT}, cold: {seconds:.2f} s ({_verdict(seconds)}), top groups {groups}"
    )


async def main(sizes: list[int]) -> None:
    header("insights: grouping questions by meaning (threshold sweep and speed)")
    embedder = LocalEmbedder()
    embedder.load()
    await embedder.embed(["warm up the session"])
    await sweep(embedder)
    await speed(embedder, sizes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,200,500,2000,10000")
    arguments = parser.parse_args()
    asyncio.run(main([int(size) for size in arguments.sizes.split(",")]))
