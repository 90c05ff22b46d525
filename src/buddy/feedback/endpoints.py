"""Feedback on answers, tied to the answer's trace span; stored before anything else."""

from __future__ import annotations

from fastapi import APIRouter

from buddy.deps import OutboxDep, SettingsDep, StorageDep
from buddy.errors import error_responses
from buddy.feedback import service
from buddy.feedback.schemas import FeedbackRequest, FeedbackResponse
from buddy.routing import CheckedRoute

router = APIRouter(prefix="/api", tags=["feedback"], route_class=CheckedRoute)


@router.post(
    "/feedback",
    summary="Thumbs up or down on an answer (by its span_id)",
    responses=error_responses(413, 415, 422, 429, 503),
)
async def feedback(
    request: FeedbackRequest, storage: StorageDep, outbox: OutboxDep, settings: SettingsDep
) -> FeedbackResponse:
    return await service.record_feedback(storage, outbox, request, settings.max_comment_chars)
