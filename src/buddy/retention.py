"""Retention: what `buddy db prune` deletes once it is older than its setting allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from buddy.config import Settings
from buddy.storage.base import Storage


@dataclass(frozen=True)
class Pruned:
    answers: int
    telemetry_events: int
    conversations: int


async def prune_expired(
    storage: Storage, settings: Settings, now: datetime | None = None
) -> Pruned:
    """Delete kept answers, telemetry events and conversations (with their share links) past
    their retention; votes are kept."""
    now = now or datetime.now(UTC)
    return Pruned(
        answers=await storage.answers.delete_answers_before(
            now - timedelta(days=settings.answer_retention_days)
        ),
        telemetry_events=await storage.telemetry.delete_events_before(
            now - timedelta(days=settings.telemetry_retention_days)
        ),
        conversations=await storage.conversations.delete_conversations_before(
            now - timedelta(days=settings.conversation_retention_days)
        ),
    )
