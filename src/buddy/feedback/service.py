"""Store a vote first; forwarding to Phoenix/Arize is a separate outbox (not in this build)."""

from __future__ import annotations

from datetime import UTC, datetime

from buddy.feedback.schemas import FeedbackRequest, FeedbackResponse
from buddy.storage.base import Storage
from buddy.storage.records import Feedback


async def record_feedback(storage: Storage, request: FeedbackRequest) -> FeedbackResponse:
    stored = await storage.feedback.add_feedback(
        Feedback(
            span_id=request.span_id,
            feedback_type=request.feedback_type,
            created_at=datetime.now(UTC),
            comment=(request.comment or "").strip(),
        )
    )
    return FeedbackResponse(id=stored.id or 0, status="stored")
