"""Feedback and telemetry through the real app: validation, storage first, consent."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from buddy.config import Settings
from buddy.storage.factory import opened_storage
from tests.fixtures.stored_rows import sqlite_event_count


async def stored_counts(settings: Settings) -> tuple[int | None, int]:
    async with opened_storage(settings) as storage:
        ids = [vote.id for vote in await storage.feedback.list_feedback()]
    return (1 if 1 in ids else None), sqlite_event_count(settings.sqlite_path)


def test_feedback_is_stored_for_the_answer_span(base_url: str, settings: Settings) -> None:
    lines = httpx.post(f"{base_url}/api/chat", json={"message": "stream chat"}, timeout=60)
    metadata = json.loads(lines.text.splitlines()[0])
    span_id = metadata["span_id"]
    response = httpx.post(
        f"{base_url}/api/feedback",
        json={"span_id": span_id, "feedback_type": "thumbs_down", "comment": "wrong package"},
    )
    assert response.status_code == 200
    # No trace target is configured, so "stored" is the whole truth.
    assert response.json() == {"success": True, "id": 1, "status": "stored"}

    async def read() -> tuple[str, str, str, str]:
        async with opened_storage(settings) as storage:
            [stored] = [vote for vote in await storage.feedback.list_feedback() if vote.id == 1]
            return stored.span_id, stored.trace_id, stored.feedback_type, stored.comment

    # The trace id comes from the answer the vote is about.
    assert asyncio.run(read()) == (span_id, metadata["trace_id"], "thumbs_down", "wrong package")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"span_id": "xyz", "feedback_type": "thumbs_up"}, "span_id"),
        ({"span_id": "0123456789ABCDEF", "feedback_type": "thumbs_up"}, "span_id"),
        ({"span_id": "0123456789abcdef", "feedback_type": "meh"}, "feedback_type"),
        (
            {"span_id": "0123456789abcdef", "feedback_type": "thumbs_up", "comment": "x" * 2001},
            "BUDDY_MAX_COMMENT_CHARS",
        ),
    ],
)
def test_bad_feedback_is_422_and_not_stored(
    base_url: str, settings: Settings, body: dict[str, str], field: str
) -> None:
    response = httpx.post(f"{base_url}/api/feedback", json=body)
    assert response.status_code == 422
    assert response.json()["code"] in {"validation_error", "limit_exceeded"}
    assert field in response.json()["detail"]
    assert asyncio.run(stored_counts(settings))[0] is None


def test_telemetry_needs_consent_and_an_allowed_event(base_url: str, settings: Settings) -> None:
    event = {"event_type": "filter_used", "data": {"aiLibrary": "semantic-kernel"}}
    declined = httpx.post(f"{base_url}/api/telemetry", json=event | {"user_consent": False})
    accepted = httpx.post(f"{base_url}/api/telemetry", json=event | {"user_consent": True})
    assert (declined.status_code, accepted.status_code) == (202, 202)
    assert (declined.json(), accepted.json()) == ({"stored": False}, {"stored": True})
    assert asyncio.run(stored_counts(settings))[1] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"event_type": "keylogger"},
        {"event_type": "sample_viewed", "data": {"x": "y" * 501}},
        {"event_type": "sample_viewed", "data": {f"k{i}": i for i in range(21)}},
        {"event_type": "sample_viewed", "data": {f"k{i}": "y" * 300 for i in range(15)}},
        {"event_type": "sample_viewed", "data": {"nested": {"a": 1}}},
        {"event_type": "sample_viewed", "data": {"list": [1, 2]}},
        {"event_type": "sample_viewed", "data": ["not", "an", "object"]},
        {"event_type": "sample_viewed", "data": {"": 1}},
        {"event_type": "sample_viewed", "data": {"$where": 1}},
        {"event_type": "sample_viewed", "data": {"a.b": 1}},
        {"event_type": "sample_viewed"} | {"user_consent": "maybe"},
    ],
    ids=[
        "unknown-type",
        "long-value",
        "21-keys",
        "over-4kb",
        "nested",
        "list-value",
        "data-not-object",
        "empty-key",
        "operator-key",
        "dotted-key",
        "consent-not-bool",
    ],
)
def test_bad_telemetry_is_422_and_not_stored(
    base_url: str, settings: Settings, body: dict[str, object]
) -> None:
    response = httpx.post(f"{base_url}/api/telemetry", json={"user_consent": True} | body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] in {"validation_error", "limit_exceeded"}
    assert asyncio.run(stored_counts(settings))[1] == 0
