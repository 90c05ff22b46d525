"""group_questions with the real offline embedder: paraphrases merge, different questions do
not, exact duplicates count together, and the labelled set scores as measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from buddy.insights.eval import load_labelled, score_grouping
from buddy.insights.grouping import DEFAULT_THRESHOLD, assign_groups, group_questions
from buddy.retrieval.embedders.local import LocalEmbedder

pytestmark = pytest.mark.anyio
EMBEDDER = LocalEmbedder()
LABELLED = Path(__file__).resolve().parents[2] / "evals" / "insights" / "paraphrases.jsonl"
# Measured at the default threshold (benchmarks/insights_grouping.py): F1 0.531, precision
# 1.0. The floors leave room for small numeric drift, not for a worse threshold or model
# (0.65 gives F1 0.40; 0.60 gives precision 0.73).
F1_FLOOR = 0.45
PRECISION_FLOOR = 0.9

RATE_LIMIT = [
    "How do I handle 429 rate limit errors from Azure OpenAI?",
    "Azure OpenAI returns 429 Too Many Requests, how should I retry?",
    "Azure OpenAI keeps throttling my requests with 429 errors",
]
UNRELATED = "How do I register an IChatClient in ASP.NET Core dependency injection?"
STREAMING = [
    "How do I stream chat responses in Semantic Kernel?",
    "How can I stream chat responses in Semantic Kernel?",
    "how to stream chat responses in Semantic Kernel",
    "How should I stream chat responses in Semantic Kernel?",
    "How do I stream chat replies in Semantic Kernel?",
]


async def test_paraphrases_share_a_group_and_another_question_has_its_own() -> None:
    asked = [*RATE_LIMIT, RATE_LIMIT[0], UNRELATED]

    groups = await group_questions(asked, EMBEDDER)

    assert [(g.question, g.count) for g in groups] == [(RATE_LIMIT[0], 4), (UNRELATED, 1)]
    assert set(groups[0].examples) == set(RATE_LIMIT)
    assert groups[0].examples[0] == RATE_LIMIT[0]


async def test_exact_duplicates_differing_in_case_spaces_and_punctuation_count_together() -> None:
    asked = [
        "How do I stream chat responses in Semantic Kernel?",
        "how do i stream chat responses in semantic kernel",
        "  How do I  stream chat responses in Semantic Kernel?! ",
        "How do I stream chat responses in Semantic Kernel?",
    ]

    [group] = await group_questions(asked, EMBEDDER)

    assert group.count == 4
    assert group.examples == ("How do I stream chat responses in Semantic Kernel?",)
    assert group.question == group.examples[0]


async def test_examples_are_the_three_most_asked_distinct_wordings() -> None:
    asked = [wording for times, wording in enumerate(STREAMING) for _ in range(5 - times)]

    [group] = await group_questions(asked, EMBEDDER)

    assert group.count == 15
    assert group.question == STREAMING[0]
    assert group.examples == tuple(STREAMING[:3])


async def test_the_most_asked_groups_come_first_up_to_the_limit() -> None:
    asked = [*([UNRELATED] * 3), *([RATE_LIMIT[0]] * 2), STREAMING[0], "What is Ollama?"]

    groups = await group_questions(asked, EMBEDDER, limit=2)

    assert [(g.question, g.count) for g in groups] == [(UNRELATED, 3), (RATE_LIMIT[0], 2)]


async def test_only_the_most_asked_distinct_wordings_are_grouped() -> None:
    asked = [UNRELATED, UNRELATED, STREAMING[0]]

    groups = await group_questions(asked, EMBEDDER, max_distinct=1)

    assert [(g.question, g.count) for g in groups] == [(UNRELATED, 2)]


async def test_no_questions_give_no_groups() -> None:
    assert await group_questions([], EMBEDDER) == []
    assert await group_questions(["", "  ?! "], EMBEDDER) == []


async def test_the_labelled_set_groups_as_well_as_measured() -> None:
    rows = load_labelled(LABELLED)
    # group_questions' order when every wording is asked once: shortest first.
    rows.sort(key=lambda row: (len(row.question), row.question))
    vectors = await EMBEDDER.embed([row.question for row in rows])

    score = score_grouping([row.group for row in rows], assign_groups(vectors, DEFAULT_THRESHOLD))

    assert len(rows) >= 60
    assert score.f1 >= F1_FLOOR
    assert score.precision >= PRECISION_FLOOR
