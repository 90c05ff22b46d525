"""How well a grouping matches a labelled set of questions: pairwise precision, recall and F1
(pairs put together vs pairs that belong together) and the adjusted Rand index."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from math import comb
from pathlib import Path


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    group: str


@dataclass(frozen=True)
class GroupingScore:
    precision: float
    recall: float
    f1: float
    adjusted_rand: float


def load_labelled(path: Path) -> list[LabelledQuestion]:
    """One `{"question": ..., "group": ...}` object a line."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            rows.append(LabelledQuestion(str(item["question"]), str(item["group"])))
    return rows


def _pairs(labels: Sequence[Hashable]) -> int:
    return sum(comb(size, 2) for size in Counter(labels).values())


def score_grouping(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> GroupingScore:
    """Compare two labellings of the same items (only equality of labels matters)."""
    if len(truth) != len(predicted):
        msg = "both labellings must cover the same items"
        raise ValueError(msg)
    both = _pairs(list(zip(truth, predicted, strict=True)))
    same_truth, same_predicted = _pairs(truth), _pairs(predicted)
    precision = both / same_predicted if same_predicted else 1.0
    recall = both / same_truth if same_truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = comb(len(truth), 2)
    expected = same_truth * same_predicted / total if total else 0.0
    ceiling = (same_truth + same_predicted) / 2
    adjusted = (both - expected) / (ceiling - expected) if ceiling != expected else 1.0
    return GroupingScore(precision, recall, f1, adjusted)
