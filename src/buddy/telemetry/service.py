"""Keep an event only when the user consented; never the client's address or user agent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from buddy.errors import LimitExceededError
from buddy.observability import annotate
from buddy.storage.base import Storage
from buddy.storage.records import TelemetryEvent
from buddy.telemetry.schemas import TelemetryEventIn, TelemetryResponse


async def record_event(
    storage: Storage, event: TelemetryEventIn, max_bytes: int
) -> TelemetryResponse:
    size = len(json.dumps(event.data, ensure_ascii=False).encode())
    if size > max_bytes:
        msg = f"data is {size} bytes; the limit is {max_bytes} (BUDDY_MAX_TELEMETRY_BYTES)."
        raise LimitExceededError(msg)
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
