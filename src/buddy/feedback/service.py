"""Store a vote first, then try to forward it at once; the outbox retries what is left."""

from __future__ import annotations

from datetime import UTC, datetime

from buddy.errors import LimitExceededError
from buddy.feedback.outbox import FeedbackOutbox
from buddy.feedback.schemas import FeedbackRequest, FeedbackResponse
from buddy.metrics.registry import FEEDBACK
from buddy.observability import annotate
from buddy.storage.base import Storage
from buddy.storage.records import Feedback


async def record_feedback(
    storage: Storage, outbox: FeedbackOutbox, request: FeedbackRequest, max_comment_chars: int
) -> FeedbackResponse:
    comment = (request.comment or "").strip()
    if len(comment) > max_comment_chars:
        msg = (
            f"The comment has {len(comment)} characters; the limit is {max_comment_chars} "
            "(BUDDY_MAX_COMMENT_CHARS)."
        )
        raise LimitExceededError(msg)
    answer = (await storage.answers.answers_for([request.span_id])).get(request.span_id)
    stored = await storage.feedback.add_feedback(
        Feedback(
            span_id=request.span_id,
            feedback_type=request.feedback_type,
            created_at=datetime.now(UTC),
            comment=comment,
            trace_id=answer.trace_id if answer else "",
        )
    )
    FEEDBACK.labels(request.feedback_type).inc()
    annotate({"feedback.type": request.feedback_type, "feedback.span_id": request.span_id})
    forwarded = await outbox.forward_now(stored)
    return FeedbackResponse(
        success=True, id=stored.id or 0, status="forwarded" if forwarded else "stored"
    )


_EXCERPT_CHARS = 1500


async def export_cases(
    storage: Storage, since: datetime | None, feedback_type: str | None
) -> list[dict[str, object]]:
    """Each rated answer as an eval-case seed: question, answer excerpt, sources, comment.
    Votes whose answer aged out of retention still export, with what is known."""
    votes = await storage.feedback.list_feedback(since, feedback_type)
    answers = await storage.answers.answers_for(sorted({vote.span_id for vote in votes}))
    cases: list[dict[str, object]] = []
    for vote in votes:
        answer = answers.get(vote.span_id)
        cases.append(
            {
                "span_id": vote.span_id,
                "trace_id": vote.trace_id or (answer.trace_id if answer else ""),
                "feedback_type": vote.feedback_type,
                "comment": vote.comment,
                "rated_at": vote.created_at.isoformat(),
                "question": answer.question if answer else None,
                "answer_excerpt": answer.answer[:_EXCERPT_CHARS] if answer else None,
                "sources": list(answer.sources) if answer else [],
                "provider": answer.provider if answer else None,
                "error_code": (answer.error_code or None) if answer else None,
            }
        )
    return cases
