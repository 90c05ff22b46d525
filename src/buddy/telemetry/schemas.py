from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

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
Value = Annotated[str, StringConstraints(max_length=200)] | int | float | bool | None


class TelemetryEventIn(BaseModel):
    event_type: EventType
    data: Annotated[
        dict[Annotated[str, StringConstraints(max_length=40)], Value], Field(max_length=12)
    ] = {}
    timestamp: datetime | None = None
    user_consent: bool


class TelemetryResponse(BaseModel):
    stored: bool
