from __future__ import annotations

from fastapi import APIRouter

from buddy.deps import SettingsDep, StorageDep
from buddy.telemetry import service
from buddy.telemetry.schemas import TelemetryEventIn, TelemetryResponse

router = APIRouter(prefix="/api", tags=["telemetry"])


@router.post(
    "/telemetry", status_code=202, summary="A consented UI event (dropped without consent)"
)
async def telemetry(
    event: TelemetryEventIn, storage: StorageDep, settings: SettingsDep
) -> TelemetryResponse:
    return await service.record_event(storage, event, settings.max_telemetry_bytes)
