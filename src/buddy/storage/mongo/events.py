"""Feedback (with its outbox state), the answers it rates, and telemetry (TTL-expired)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from buddy.storage.mongo.codec import bump, read_time, strings, utc
from buddy.storage.mongo.connection import (
    ANSWERS,
    FEEDBACK,
    META,
    TELEMETRY,
    Collection,
    Document,
    MongoDatabase,
    guarded,
)
from buddy.storage.records import AnswerDigest, AnswerRecord, Feedback, TelemetryEvent

# Error texts are for operators reading the outbox; keep documents small.
_MAX_ERROR_CHARS = 500


def _feedback(doc: Document) -> Feedback:
    return Feedback(
        id=int(doc["_id"]),
        span_id=str(doc.get("span_id", "")),
        trace_id=str(doc.get("trace_id", "")),
        feedback_type=str(doc.get("feedback_type", "")),
        comment=str(doc.get("comment", "")),
        created_at=read_time(doc.get("created_at")),
        forwarded_to=strings(doc.get("forwarded_to")),
        attempts=int(doc.get("attempts", 0)),
        last_error=str(doc.get("last_error", "")),
    )


class MongoFeedbackStore:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db

    @property
    def _feedback(self) -> Collection:
        return self._db.collection(FEEDBACK)

    @guarded
    async def add_feedback(self, feedback: Feedback) -> Feedback:
        # Integer ids like SQLite's, so API responses and the CLI look the same on both.
        feedback_id = await bump(self._db.collection(META), "sequence:feedback")
        await self._feedback.insert_one(
            {
                "_id": feedback_id,
                "span_id": feedback.span_id,
                "trace_id": feedback.trace_id,
                "feedback_type": feedback.feedback_type,
                "comment": feedback.comment,
                "created_at": utc(feedback.created_at),
                "forwarded_to": [],
                "attempts": 0,
                "last_error": "",
            }
        )
        return replace(feedback, id=feedback_id)

    @guarded
    async def pending_feedback(self, target: str, limit: int, max_attempts: int) -> list[Feedback]:
        cursor = self._feedback.find(_pending(target, max_attempts)).sort("_id", 1)
        return [_feedback(doc) async for doc in cursor.limit(limit)]

    @guarded
    async def count_pending(self, target: str, max_attempts: int) -> int:
        return int(await self._feedback.count_documents(_pending(target, max_attempts)))

    @guarded
    async def mark_forwarded(self, feedback_id: int, target: str) -> None:
        await self._feedback.update_one(
            {"_id": int(feedback_id)},
            {"$addToSet": {"forwarded_to": str(target)}, "$set": {"last_error": ""}},
        )

    @guarded
    async def record_failure(self, feedback_id: int, error: str) -> None:
        await self._feedback.update_one(
            {"_id": int(feedback_id)},
            {"$inc": {"attempts": 1}, "$set": {"last_error": error[:_MAX_ERROR_CHARS]}},
        )

    @guarded
    async def list_feedback(
        self, since: datetime | None = None, feedback_type: str | None = None
    ) -> list[Feedback]:
        wanted: Document = {}
        if since is not None:
            wanted["created_at"] = {"$gte": utc(since)}
        if feedback_type is not None:
            wanted["feedback_type"] = str(feedback_type)
        return [_feedback(doc) async for doc in self._feedback.find(wanted).sort("_id", 1)]

    @guarded
    async def latest_votes(self, span_ids: Sequence[str]) -> dict[str, str]:
        wanted = {"span_id": {"$in": [str(span_id) for span_id in span_ids]}}
        cursor = self._feedback.find(wanted, {"span_id": 1, "feedback_type": 1}).sort("_id", 1)
        # Oldest first, so the newest vote for a span is the one left in the dict.
        return {str(doc["span_id"]): str(doc["feedback_type"]) async for doc in cursor}


class MongoAnswerStore:
    """Answers by span id (`_id`), for feedback exports."""

    def __init__(self, db: MongoDatabase) -> None:
        self._db = db

    @property
    def _answers(self) -> Collection:
        return self._db.collection(ANSWERS)

    @guarded
    async def add_answer(self, answer: AnswerRecord) -> None:
        await self._answers.replace_one(
            {"_id": answer.span_id},
            {
                "_id": answer.span_id,
                "trace_id": answer.trace_id,
                "question": answer.question,
                "answer": answer.answer,
                "sources": list(answer.sources),
                "provider": answer.provider,
                "error_code": answer.error_code,
                "tools": list(answer.tools),
                "duration_s": float(answer.duration_s),
                "created_at": utc(answer.created_at),
            },
            upsert=True,
        )

    @guarded
    async def answers_for(self, span_ids: Sequence[str]) -> dict[str, AnswerRecord]:
        wanted = {"_id": {"$in": [str(span_id) for span_id in span_ids]}}
        return {str(doc["_id"]): _answer(doc) async for doc in self._answers.find(wanted)}

    @guarded
    async def answer_digests(self, since: datetime) -> list[AnswerDigest]:
        fields = ("question", "created_at", "sources", "error_code", "tools", "duration_s")
        cursor = self._answers.find(
            {"created_at": {"$gte": utc(since)}}, projection=dict.fromkeys(fields, True)
        ).sort("created_at", 1)
        return [
            AnswerDigest(
                question=str(doc.get("question", "")),
                created_at=read_time(doc.get("created_at")),
                cited=bool(doc.get("sources")),
                error_code=str(doc.get("error_code", "")),
                tools=strings(doc.get("tools")),
                duration_s=float(doc.get("duration_s") or 0.0),
            )
            async for doc in cursor
        ]

    @guarded
    async def delete_answers_before(self, cutoff: datetime) -> int:
        result = await self._answers.delete_many({"created_at": {"$lt": utc(cutoff)}})
        return int(result.deleted_count)


def _pending(target: str, max_attempts: int) -> Document:
    # `$ne` on an array field matches documents where no element equals the value.
    return {"forwarded_to": {"$ne": str(target)}, "attempts": {"$lt": int(max_attempts)}}


def _answer(doc: Document) -> AnswerRecord:
    return AnswerRecord(
        span_id=str(doc["_id"]),
        trace_id=str(doc.get("trace_id", "")),
        question=str(doc.get("question", "")),
        answer=str(doc.get("answer", "")),
        created_at=read_time(doc.get("created_at")),
        sources=strings(doc.get("sources")),
        provider=str(doc.get("provider", "")),
        error_code=str(doc.get("error_code", "")),
        tools=strings(doc.get("tools")),
        duration_s=float(doc.get("duration_s") or 0.0),
    )


class MongoTelemetryStore:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db

    @property
    def _events(self) -> Collection:
        return self._db.collection(TELEMETRY)

    @guarded
    async def add_event(self, event: TelemetryEvent) -> TelemetryEvent:
        event_id = await bump(self._db.collection(META), "sequence:telemetry")
        await self._events.insert_one(
            {
                "_id": event_id,
                "event_type": event.event_type,
                "data": event.data,
                "created_at": utc(event.created_at),
                # The TTL index counts from arrival: event times come from browsers' clocks.
                "stored_at": datetime.now(UTC),
            }
        )
        return replace(event, id=event_id)

    @guarded
    async def delete_events_before(self, cutoff: datetime) -> int:
        result = await self._events.delete_many({"created_at": {"$lt": utc(cutoff)}})
        return result.deleted_count
