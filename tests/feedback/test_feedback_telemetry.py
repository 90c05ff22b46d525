"""Feedback and telemetry through the real app: validation, storage first, consent."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from buddy.config import Settings
from buddy.storage.factory import opened_storage


async def stored_counts(settings: Settings) -> tuple[int | None, int]:
    async with opened_storage(settings) as storage:
        first = await storage.feedback.get_feedback(1)
        return (first.id if first else None), await storage.telemetry.count_events()


def test_feedback_is_stored_for_the_answer_span(base_url: str, settings: Settings) -> None:
    lines = httpx.post(f"{base_url}/api/chat", json={"message": "stream chat"}, timeout=60)
    span_id = json.loads(lines.text.splitlines()[0])["span_id"]
    response = httpx.post(
        f"{base_url}/api/feedback",
        json={"span_id": span_id, "feedback_type": "thumbs_down", "comment": "wrong package"},
    )
    assert response.status_code == 200
    assert response.json() == {"id": 1, "status": "stored"}

    async def read() -> tuple[str, str, str]:
        async with opened_storage(settings) as storage:
            stored = await storage.feedback.get_feedback(1)
            assert stored is not None
            return stored.span_id, stored.feedback_type, stored.comment

    assert asyncio.run(read()) == (span_id, "thumbs_down", "wrong package")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"span_id": "xyz", "feedback_type": "thumbs_up"}, "span_id"),
        ({"span_id": "0123456789ABCDEF", "feedback_type": "thumbs_up"}, "span_id"),
        ({"span_id": "0123456789abcdef", "feedback_type": "meh"}, "feedback_type"),
        (
            {"span_id": "0123456789abcdef", "feedback_type": "thumbs_up", "comment": "x" * 2001},
            "comment",
        ),
    ],
)
def test_bad_feedback_is_422_and_not_stored(
    base_url: str, settings: Settings, body: dict[str, str], field: str
) -> None:
    response = httpx.post(f"{base_url}/api/feedback", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["detail"]
    assert asyncio.run(stored_counts(settings))[0] is None


def test_telemetry_needs_consent_and_an_allowed_event(base_url: str, settings: Settings) -> None:
    event = {"event_type": "filter_used", "data": {"aiLibrary": "semantic-kernel"}}
    declined = httpx.post(f"{base_url}/api/telemetry", json=event | {"user_consent": False})
    accepted = httpx.post(f"{base_url}/api/telemetry", json=event | {"user_consent": True})
    assert (declined.json(), accepted.json()) == ({"stored": False}, {"stored": True})
    unknown = httpx.post(
        f"{base_url}/api/telemetry", json={"event_type": "keylogger", "user_consent": True}
    )
    assert unknown.status_code == 422
    too_big = httpx.post(
        f"{base_url}/api/telemetry",
        json={"event_type": "sample_viewed", "user_consent": True, "data": {"x": "y" * 500}},
    )
    assert too_big.status_code == 422
    assert asyncio.run(stored_counts(settings))[1] == 1
