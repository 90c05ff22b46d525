"""Feedback (with its forwarding outbox state), the answers it rates, and consented
telemetry events."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from buddy.storage.records import AnswerDigest, AnswerRecord, Feedback, TelemetryEvent
from buddy.storage.sqlite.codec import dump_list, from_iso, load_tuple, to_iso, to_iso_or_none
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.sqlite.rows import Table

FEEDBACK = Table(Feedback, "feedback")
ANSWERS = Table(AnswerRecord, "answers", key="span_id")
# Votes still to forward to one target (parameters: max attempts, target).
_PENDING = (
    "attempts < ? AND NOT EXISTS (SELECT 1 FROM json_each(feedback.forwarded_to) WHERE value = ?)"
)
# Error texts are for operators reading the outbox; keep rows small.
_MAX_ERROR_CHARS = 500


class SqliteFeedbackStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_feedback(self, feedback: Feedback) -> Feedback:
        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO feedback (span_id, trace_id, feedback_type, comment, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    feedback.span_id,
                    feedback.trace_id,
                    feedback.feedback_type,
                    feedback.comment,
                    to_iso(feedback.created_at),
                ),
            )
            return int(cursor.lastrowid or 0)

        return replace(feedback, id=await self._db.write(work))

    async def pending_feedback(self, target: str, limit: int, max_attempts: int) -> list[Feedback]:
        def work(conn: sqlite3.Connection) -> list[Feedback]:
            rows = conn.execute(
                f"SELECT {FEEDBACK.columns()} FROM feedback WHERE {_PENDING} ORDER BY id LIMIT ?",
                (max_attempts, target, limit),
            ).fetchall()
            return [FEEDBACK.read(row) for row in rows]

        return await self._db.read(work)

    async def count_pending(self, target: str, max_attempts: int) -> int:
        def work(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                f"SELECT count(*) FROM feedback WHERE {_PENDING}", (max_attempts, target)
            ).fetchone()
            return int(row[0])

        return await self._db.read(work)

    async def mark_forwarded(self, feedback_id: int, target: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT forwarded_to FROM feedback WHERE id = ?", (feedback_id,)
            ).fetchone()
            if row is None:
                return
            targets = dict.fromkeys([*load_tuple(row["forwarded_to"]), target])
            conn.execute(
                "UPDATE feedback SET forwarded_to = ?, last_error = '' WHERE id = ?",
                (dump_list(targets), feedback_id),
            )

        await self._db.write(work)

    async def record_failure(self, feedback_id: int, error: str) -> None:
        await self._db.write(
            lambda conn: conn.execute(
                "UPDATE feedback SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:_MAX_ERROR_CHARS], feedback_id),
            )
        )

    async def list_feedback(
        self, since: datetime | None = None, feedback_type: str | None = None
    ) -> list[Feedback]:
        def work(conn: sqlite3.Connection) -> list[Feedback]:
            rows = conn.execute(
                f"SELECT {FEEDBACK.columns()} FROM feedback "
                "WHERE (? IS NULL OR created_at >= ?) AND (? IS NULL OR feedback_type = ?) "
                "ORDER BY id",
                (*[to_iso_or_none(since)] * 2, *[feedback_type] * 2),
            ).fetchall()
            return [FEEDBACK.read(row) for row in rows]

        return await self._db.read(work)

    async def latest_votes(self, span_ids: Sequence[str]) -> dict[str, str]:
        def work(conn: sqlite3.Connection) -> dict[str, str]:
            rows = conn.execute(
                "SELECT span_id, feedback_type FROM feedback "
                "WHERE span_id IN (SELECT value FROM json_each(?)) ORDER BY id",
                (json.dumps(list(span_ids)),),
            )
            return dict(rows)  # the newest vote wins

        return await self._db.read(work)


class SqliteAnswerStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_answer(self, answer: AnswerRecord) -> None:
        await self._db.write(
            lambda conn: conn.execute(ANSWERS.upsert_sql(), ANSWERS.values(answer))
        )

    async def answers_for(self, span_ids: Sequence[str]) -> dict[str, AnswerRecord]:
        def work(conn: sqlite3.Connection) -> dict[str, AnswerRecord]:
            rows = conn.execute(
                f"SELECT {ANSWERS.columns()} FROM answers "
                "WHERE span_id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(span_ids)),),
            )
            return {row["span_id"]: ANSWERS.read(row) for row in rows}

        return await self._db.read(work)

    async def answer_digests(self, since: datetime) -> list[AnswerDigest]:
        def work(conn: sqlite3.Connection) -> list[AnswerDigest]:
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples: a period may hold 100k answers and more
            rows = cursor.execute(
                "SELECT question, created_at, sources != '[]', error_code, tools, duration_s "
                "FROM answers WHERE created_at >= ? ORDER BY created_at",
                (to_iso(since),),
            )
            tool_lists: dict[str, tuple[str, ...]] = {}  # few distinct lists: decoded once each
            digests = []
            for question, created_at, cited, error_code, tools, duration_s in rows:
                called = tool_lists.get(tools)
                if called is None:
                    called = tool_lists[tools] = load_tuple(tools)
                digests.append(
                    AnswerDigest(
                        question, from_iso(created_at), bool(cited), error_code, called, duration_s
                    )
                )
            return digests

        return await self._db.read(work)

    async def delete_answers_before(self, cutoff: datetime) -> int:
        return await self._db.write(
            lambda conn: (
                conn.execute("DELETE FROM answers WHERE created_at < ?", (to_iso(cutoff),)).rowcount
            )
        )


class SqliteTelemetryStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_event(self, event: TelemetryEvent) -> TelemetryEvent:
        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO telemetry_events (event_type, data, created_at) VALUES (?, ?, ?)",
                (event.event_type, json.dumps(event.data), to_iso(event.created_at)),
            )
            return int(cursor.lastrowid or 0)

        return replace(event, id=await self._db.write(work))

    async def delete_events_before(self, cutoff: datetime) -> int:
        return await self._db.write(
            lambda conn: (
                conn.execute(
                    "DELETE FROM telemetry_events WHERE created_at < ?", (to_iso(cutoff),)
                ).rowcount
            )
        )
