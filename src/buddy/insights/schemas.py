from __future__ import annotations

from pydantic import BaseModel, Field


class VoteCounts(BaseModel):
    up: int
    down: int
    ratio: float | None = Field(description="Share of votes that were thumbs up (null: no votes).")


class Day(BaseModel):
    date: str = Field(description="UTC date, YYYY-MM-DD.")
    questions: int
    unanswered: int
    errors: int
    up: int
    down: int


class Latency(BaseModel):
    p50_s: float | None
    p95_s: float | None


class QuestionGroupOut(BaseModel):
    question: str = Field(description="The wording asked most often in the group.")
    count: int = Field(description="Questions in the group, every wording counted.")
    examples: list[str] = Field(description="Up to three wordings, most asked first.")


class SourceCount(BaseModel):
    url: str
    count: int


class Hour(BaseModel):
    hour: int = Field(description="Hour of the day, UTC (0-23).")
    questions: int


class Insights(BaseModel):
    days: int
    questions: int
    answered: int = Field(description="Answers that cited at least one source.")
    unanswered: int = Field(
        description="Answers that cited nothing: the offline answerer declined, or a model "
        "answered without a source."
    )
    errors: int = Field(description="Streams that ended in an error.")
    feedback: VoteCounts
    daily: list[Day]
    latency: Latency = Field(description="Time from the request to the answer's last line.")
    tools: dict[str, int] = Field(description="Tool calls by tool.")
    top_questions: list[QuestionGroupOut]
    unanswered_questions: list[QuestionGroupOut]
    downvoted_sources: list[SourceCount] = Field(
        description="Pages cited by thumbs-down answers, most often first."
    )
    peak_hours: list[Hour] = Field(description="The busiest hours of the day, busiest first.")
