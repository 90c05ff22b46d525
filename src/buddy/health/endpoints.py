from __future__ import annotations

from fastapi import APIRouter

from buddy.deps import KnowledgeDep, StorageDep
from buddy.health import service
from buddy.health.schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health", summary="State of the service and each dependency")
async def health(storage: StorageDep, kb: KnowledgeDep) -> HealthResponse:
    return await service.health(storage, kb)
