from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

# A hard ceiling; the limit people meet is BUDDY_MAX_COMMENT_CHARS, checked by the service.
MAX_COMMENT_CHARS = 100_000


class FeedbackRequest(BaseModel):
    span_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
    feedback_type: Literal["thumbs_up", "thumbs_down"]
    comment: Annotated[str, StringConstraints(max_length=MAX_COMMENT_CHARS)] | None = None


class FeedbackResponse(BaseModel):
    success: bool
    id: int
    # `stored`: kept, to be forwarded by the outbox; `forwarded`: every trace target has it.
    status: Literal["stored", "forwarded"]
