"""Group asked questions by meaning: exact duplicates are counted, then near-duplicates
(cosine similarity of their embeddings) are merged, so an operator sees which topic is asked
most, whatever the wording."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from buddy.retrieval.embedders.base import Embedder, Matrix

# Chosen with benchmarks/insights_grouping.py on evals/insights/paraphrases.jsonl (72
# questions, 30 labels) and all-MiniLM-L6-v2: pairwise F1 is flat (0.50-0.58) from 0.475 to
# 0.625, and 0.625 is the only value on that plateau with no wrong merge (precision 1.0,
# recall 0.36). A wrong merge hides a topic behind another's wording; a missed one only shows
# a topic twice. Comparing with the group centroid instead of its representative gave the same
# groups at this value (its best F1, 0.58 at 0.575, merges wrongly: precision 0.71).
DEFAULT_THRESHOLD = 0.625
# Embedding is nearly all the cost: LocalEmbedder does about 230 short questions a second on
# 2 idle cores (60-80 when busy), so a cold refresh of 100,000 asks at 100 wordings takes about
# 0.5 s, leaving room to read the asks. With the question vectors the services graph keeps
# (`question_vectors`) only new wordings are embedded, so a larger cap fits while few are new.
# The rarer wordings (asked once or twice) would not reach the top groups anyway.
DEFAULT_MAX_DISTINCT = 100
EXAMPLES = 3

_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s?!.,;:…]+$")


@dataclass(frozen=True)
class QuestionGroup:
    """One topic: its most asked wording, how often it was asked, up to three wordings."""

    question: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class _Wording:
    text: str
    count: int


def normalised(question: str) -> str:
    """The key exact duplicates share: case, runs of spaces and trailing punctuation ignored."""
    return _TRAILING.sub("", _SPACES.sub(" ", question).strip()).casefold()


def _display(spellings: Counter[str]) -> str:
    # The spelling people typed most; ties: the shortest, then alphabetical.
    return min(spellings.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]


def _count_wordings(asked: Sequence[str] | Mapping[str, int]) -> list[_Wording]:
    """Distinct wordings, most asked first (ties: shortest, then alphabetical)."""
    spellings: dict[str, Counter[str]] = {}
    # Counting the raw texts first normalises each distinct text once, not once per ask:
    # 100,000 asks took 1 s the other way round. Insights count them while they read.
    counted = asked if isinstance(asked, Mapping) else Counter(asked)
    for question, times in counted.items():
        key = normalised(question)
        if key:
            spellings.setdefault(key, Counter())[_SPACES.sub(" ", question).strip()] += times
    wordings = [_Wording(_display(seen), seen.total()) for seen in spellings.values()]
    wordings.sort(key=lambda w: (-w.count, len(w.text), w.text))
    return wordings


def assign_groups(
    vectors: Matrix, threshold: float, *, against_centroid: bool = False
) -> list[int]:
    """Greedy grouping of L2-normalised rows in the given order: each row joins the most
    similar group if that similarity is at least `threshold`, else starts one. Groups are
    compared by their first row (the representative) or, if asked, by their running mean."""
    labels: list[int] = []
    anchors = np.zeros_like(vectors)
    sums = np.zeros_like(vectors)
    groups = 0
    for vector in vectors:
        best = -1
        if groups:
            similarity: npt.NDArray[np.float32] = anchors[:groups] @ vector
            candidate = int(np.argmax(similarity))
            if similarity[candidate] >= threshold:
                best = candidate
        if best < 0:
            best, groups = groups, groups + 1
            anchors[best] = vector
        if against_centroid:
            sums[best] += vector
            norm = float(np.linalg.norm(sums[best]))
            anchors[best] = sums[best] / norm if norm else vector
        labels.append(best)
    return labels


async def group_questions(
    asked: Sequence[str] | Mapping[str, int],
    embedder: Embedder,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 20,
    max_distinct: int = DEFAULT_MAX_DISTINCT,
) -> list[QuestionGroup]:
    """The `limit` most asked topics in `asked` (every question asked, or each exact text
    with how often it was asked), near-duplicate wordings merged."""
    # Only the most asked wordings are embedded: the cost grows with each one (see above).
    wordings = _count_wordings(asked)[:max_distinct]
    if not wordings or limit <= 0:
        return []
    vectors = await embedder.embed([w.text for w in wordings])
    members: dict[int, list[_Wording]] = {}
    for wording, label in zip(wordings, assign_groups(vectors, threshold), strict=True):
        members.setdefault(label, []).append(wording)
    # Members arrive most asked first, so the first is the representative.
    groups = [
        QuestionGroup(
            question=found[0].text,
            count=sum(w.count for w in found),
            examples=tuple(w.text for w in found[:EXAMPLES]),
        )
        for found in members.values()
    ]
    groups.sort(key=lambda g: (-g.count, g.question))
    return groups[:limit]
