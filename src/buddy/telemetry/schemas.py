from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

# The one list of accepted UI events; anything else is refused with 422.
EventType = Literal[
    "filter_used",
    "sample_viewed",
    "external_click",
    "search_no_results",
    "chat_started",
    "feedback_given",
    "consent_changed",
    "code_copied",
]
MAX_DATA_KEYS = 20
# Plain identifiers only: keys become field names in MongoDB, where `$` and `.` mean operators
# and paths.
KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
# A hard ceiling; the limit people meet is BUDDY_MAX_TELEMETRY_BYTES, checked by the service.
MAX_DATA_BYTES = 65_536
Value = Annotated[str, StringConstraints(max_length=500)] | int | float | bool | None


class TelemetryEventIn(BaseModel):
    event_type: EventType
    data: Annotated[
        dict[Annotated[str, StringConstraints(pattern=KEY_PATTERN)], Value],
        Field(max_length=MAX_DATA_KEYS, description="Scalar values only, at most 20 keys."),
    ] = {}
    timestamp: datetime | None = None
    user_consent: bool

    @field_validator("data")
    @classmethod
    def _bounded(cls, data: dict[str, object]) -> dict[str, object]:
        size = len(json.dumps(data, ensure_ascii=False).encode())
        if size > MAX_DATA_BYTES:
            msg = f"data is {size} bytes; at most {MAX_DATA_BYTES} are accepted"
            raise ValueError(msg)
        return data


class TelemetryResponse(BaseModel):
    stored: bool
