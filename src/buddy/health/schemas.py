from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class Check(BaseModel):
    status: Literal["ok", "degraded", "down"]
    detail: str


class HealthResponse(BaseModel):
    status: Literal["healthy", "degraded"]
    timestamp: datetime
    version: str
    checks: dict[str, Check]
