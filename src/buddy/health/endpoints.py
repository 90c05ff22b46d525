from __future__ import annotations

from fastapi import APIRouter

from buddy.deps import StorageDep
from buddy.health import service
from buddy.health.schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health", summary="State of the service and each dependency")
async def health(storage: StorageDep) -> HealthResponse:
    return await service.health(storage)
