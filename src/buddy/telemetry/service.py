"""Keep an event only when the user consented; never the client's address or free text."""

from __future__ import annotations

from datetime import UTC, datetime

from buddy.storage.base import Storage
from buddy.storage.records import TelemetryEvent
from buddy.telemetry.schemas import TelemetryEventIn, TelemetryResponse


async def record_event(storage: Storage, event: TelemetryEventIn) -> TelemetryResponse:
    if not event.user_consent:
        return TelemetryResponse(stored=False)
    data: dict[str, object] = dict(event.data)
    await storage.telemetry.add_event(TelemetryEvent(event.event_type, datetime.now(UTC), data))
    return TelemetryResponse(stored=True)
