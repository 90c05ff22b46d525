from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from buddy.deps import ServicesDep, require_admin
from buddy.errors import error_responses
from buddy.insights import service
from buddy.insights.schemas import Insights
from buddy.routing import CheckedRoute

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    route_class=CheckedRoute,
    dependencies=[Depends(require_admin)],
)


@router.get(
    "/insights",
    summary="What people asked and what failed (admin key in production)",
    responses=error_responses(401, 403, 422, 429, 503),
)
async def insights(
    services: ServicesDep,
    days: Annotated[
        int, Query(ge=1, le=service.MAX_DAYS, description="How many days back, from now.")
    ] = 7,
) -> Insights:
    return await service.insights(services.storage, services.question_vectors, days)
