"""Keep an event only when the user consented; never the client's address or user agent."""

from __future__ import annotations

from datetime import UTC, datetime

from buddy.observability import annotate
from buddy.storage.base import Storage
from buddy.storage.records import TelemetryEvent
from buddy.telemetry.schemas import TelemetryEventIn, TelemetryResponse


async def record_event(storage: Storage, event: TelemetryEventIn) -> TelemetryResponse:
    if not event.user_consent:
        annotate({"event_type": event.event_type, "user_consent": False})
        return TelemetryResponse(stored=False)
    data: dict[str, object] = dict(event.data)
    await storage.telemetry.add_event(TelemetryEvent(event.event_type, datetime.now(UTC), data))
    annotate(
        {
            "event_type": event.event_type,
            "user_consent": True,
            **{f"telemetry.{key}": value for key, value in event.data.items() if value is not None},
        }
    )
    return TelemetryResponse(stored=True)
