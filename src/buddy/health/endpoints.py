from __future__ import annotations

from fastapi import APIRouter

from buddy.deps import KnowledgeDep, SettingsDep, StorageDep
from buddy.health import service
from buddy.health.schemas import HealthResponse
from buddy.routing import CheckedRoute

router = APIRouter(tags=["health"], route_class=CheckedRoute)


@router.get("/health", summary="State of the service and each dependency")
async def health(storage: StorageDep, kb: KnowledgeDep, settings: SettingsDep) -> HealthResponse:
    return await service.health(storage, kb, settings)
