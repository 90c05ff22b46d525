"""What people asked and what failed, from the stored answers and votes.

Nothing new is collected: the answers (kept for BUDDY_ANSWER_RETENTION_DAYS) and the votes
already hold the question, whether it cited anything, its tools and timing, and the vote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from buddy.insights.grouping import QuestionGroup, group_questions
from buddy.insights.schemas import (
    Day,
    Hour,
    Insights,
    Latency,
    QuestionGroupOut,
    SourceCount,
    VoteCounts,
)
from buddy.retrieval.embedders.base import Embedder
from buddy.storage.base import Storage
from buddy.storage.records import AnswerDigest, Feedback

MAX_DAYS = 365
_TOP_SOURCES = 10
_PEAK_HOURS = 5


@dataclass
class _Tally:
    """One pass over a period's answers (there may be 100k and more)."""

    asked: Counter[str] = field(default_factory=Counter)  # exact wording -> times
    missed: Counter[str] = field(default_factory=Counter)
    per_day: Counter[date] = field(default_factory=Counter)
    missed_per_day: Counter[date] = field(default_factory=Counter)
    errors_per_day: Counter[date] = field(default_factory=Counter)
    per_hour: Counter[int] = field(default_factory=Counter)
    tools: Counter[str] = field(default_factory=Counter)
    durations: list[float] = field(default_factory=list)

    def add(self, answer: AnswerDigest) -> None:
        day = answer.created_at.date()
        self.asked[answer.question] += 1
        self.per_day[day] += 1
        self.per_hour[answer.created_at.hour] += 1
        self.tools.update(answer.tools)
        if answer.duration_s > 0:
            self.durations.append(answer.duration_s)
        if answer.error_code:
            self.errors_per_day[day] += 1
        elif not answer.cited:  # completed without a source: nothing grounded it
            self.missed[answer.question] += 1
            self.missed_per_day[day] += 1


async def insights(
    storage: Storage, embedder: Embedder, days: int, now: datetime | None = None
) -> Insights:
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    tally = _Tally()
    for answer in await storage.answers.answer_digests(since):
        tally.add(answer)
    votes = await storage.feedback.list_feedback(since)
    down_ids = sorted({vote.span_id for vote in votes if vote.feedback_type == "thumbs_down"})
    downvoted = await storage.answers.answers_for(down_ids)
    questions = tally.per_day.total()
    unanswered, errors = tally.missed_per_day.total(), tally.errors_per_day.total()
    up = sum(1 for vote in votes if vote.feedback_type == "thumbs_up")
    cited_down = Counter(url for answer in downvoted.values() for url in answer.sources)
    return Insights(
        days=days,
        questions=questions,
        answered=questions - unanswered - errors,
        unanswered=unanswered,
        errors=errors,
        feedback=VoteCounts(
            up=up, down=len(votes) - up, ratio=round(up / len(votes), 3) if votes else None
        ),
        daily=_daily(tally, votes, since.date(), now.date()),
        latency=_latency(tally.durations),
        tools=dict(tally.tools.most_common()),
        top_questions=_out(await group_questions(tally.asked, embedder)),
        unanswered_questions=_out(await group_questions(tally.missed, embedder)),
        downvoted_sources=[
            SourceCount(url=url, count=count) for url, count in cited_down.most_common(_TOP_SOURCES)
        ],
        peak_hours=[
            Hour(hour=hour, questions=count)
            for hour, count in tally.per_hour.most_common(_PEAK_HOURS)
        ],
    )


def _daily(tally: _Tally, votes: Sequence[Feedback], first: date, last: date) -> list[Day]:
    ups = Counter(v.created_at.date() for v in votes if v.feedback_type == "thumbs_up")
    downs = Counter(v.created_at.date() for v in votes if v.feedback_type == "thumbs_down")
    span = (last - first).days + 1
    return [
        Day(
            date=day.isoformat(),
            questions=tally.per_day[day],
            unanswered=tally.missed_per_day[day],
            errors=tally.errors_per_day[day],
            up=ups[day],
            down=downs[day],
        )
        for day in (first + timedelta(days=offset) for offset in range(span))
    ]


def _latency(durations: Sequence[float]) -> Latency:
    if not durations:
        return Latency(p50_s=None, p95_s=None)
    p50, p95 = np.percentile(np.asarray(durations), [50, 95])
    return Latency(p50_s=round(float(p50), 3), p95_s=round(float(p95), 3))


def _out(groups: Sequence[QuestionGroup]) -> list[QuestionGroupOut]:
    return [
        QuestionGroupOut(question=g.question, count=g.count, examples=list(g.examples))
        for g in groups
    ]
