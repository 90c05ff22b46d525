from __future__ import annotations

import contextlib

from fastapi import APIRouter, Depends, Response

from buddy.deps import ServicesDep, require_admin
from buddy.errors import NotFoundError, error_responses
from buddy.metrics.exposition import CONTENT_TYPE, render
from buddy.metrics.registry import OUTBOX_PENDING
from buddy.routing import CheckedRoute

router = APIRouter(tags=["operations"], route_class=CheckedRoute)


@router.get(
    "/metrics",
    summary="Prometheus metrics (admin key in production)",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}},
        **error_responses(401, 403, 404, 422),
    },
    dependencies=[Depends(require_admin)],
)
async def metrics(services: ServicesDep) -> Response:
    settings = services.settings
    if settings.metrics_port is not None:
        msg = (
            f"Metrics are served on the private port {settings.metrics_port} "
            "(BUDDY_METRICS_PORT), not here."
        )
        raise NotFoundError(msg)
    with contextlib.suppress(Exception):  # a store that does not answer leaves the last value
        OUTBOX_PENDING.set(await services.outbox.pending())
    return Response(render(), media_type=CONTENT_TYPE)
