"""Retrieval quality: recall@k and MRR@10 on a JSONL of questions and their relevant pages."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from buddy.errors import BuddyError
from buddy.retrieval.search import KnowledgeBase, SearchHit


class EvalFileError(BuddyError):
    code = "invalid_eval_file"


class EvalRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: str
    relevant: list[str]
    kind: str = ""


@dataclass(frozen=True)
class Miss:
    question: str
    relevant: list[str]
    found: list[str]


@dataclass
class KindScores:
    questions: int = 0
    recall_5: float = 0.0
    recall_10: float = 0.0
    mrr_10: float = 0.0


@dataclass
class EvalResult:
    questions: int
    out_of_scope: int
    recall_at_k: float
    k: int
    recall_5: float
    recall_10: float
    mrr_10: float
    per_kind: dict[str, KindScores] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    out_of_scope_top_score: float = 0.0  # mean best score on questions with no answer


def load_eval(path: Path) -> list[EvalRow]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(EvalRow.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            detail = str(exc).splitlines()[0]
            raise EvalFileError(f"{path}:{number}: not a valid eval row ({detail})") from None
    if not rows:
        raise EvalFileError(f"{path} has no questions")
    return rows


def _matches(hit: SearchHit, relevant: set[str]) -> bool:
    return hit.source_path in relevant or hit.url.rstrip("/") in relevant


def _recall(hits: list[SearchHit], relevant: set[str], k: int) -> float:
    found = {r for r in relevant for hit in hits[:k] if _matches(hit, {r})}
    return len(found) / len(relevant)


def _reciprocal_rank(hits: list[SearchHit], relevant: set[str]) -> float:
    for rank, hit in enumerate(hits[:10], start=1):
        if _matches(hit, relevant):
            return 1.0 / rank
    return 0.0


async def evaluate(kb: KnowledgeBase, rows: list[EvalRow], k: int = 5) -> EvalResult:
    """Search every question once (top 10) and score the ranking."""
    per_kind: dict[str, KindScores] = defaultdict(KindScores)
    totals = {"k": 0.0, "5": 0.0, "10": 0.0, "mrr": 0.0}
    misses: list[Miss] = []
    in_scope = 0
    unanswerable_scores: list[float] = []
    for row in rows:
        hits = await kb.search(row.question, k=max(10, k))
        if not row.relevant:
            unanswerable_scores.append(hits[0].score if hits else 0.0)
            continue
        in_scope += 1
        relevant = {item.rstrip("/") for item in row.relevant}
        scores = {
            "k": _recall(hits, relevant, k),
            "5": _recall(hits, relevant, 5),
            "10": _recall(hits, relevant, 10),
            "mrr": _reciprocal_rank(hits, relevant),
        }
        for name, value in scores.items():
            totals[name] += value
        kind = per_kind[row.kind or "all"]
        kind.questions += 1
        kind.recall_5 += scores["5"]
        kind.recall_10 += scores["10"]
        kind.mrr_10 += scores["mrr"]
        if scores["k"] < 1.0:
            misses.append(Miss(row.question, row.relevant, [hit.source_path for hit in hits[:k]]))
    for kind in per_kind.values():
        kind.recall_5 /= kind.questions
        kind.recall_10 /= kind.questions
        kind.mrr_10 /= kind.questions
    denominator = max(in_scope, 1)
    return EvalResult(
        questions=in_scope,
        out_of_scope=len(unanswerable_scores),
        recall_at_k=totals["k"] / denominator,
        k=k,
        recall_5=totals["5"] / denominator,
        recall_10=totals["10"] / denominator,
        mrr_10=totals["mrr"] / denominator,
        per_kind=dict(per_kind),
        misses=misses,
        out_of_scope_top_score=(
            sum(unanswerable_scores) / len(unanswerable_scores) if unanswerable_scores else 0.0
        ),
    )
