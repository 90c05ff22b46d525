from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from buddy.auth.service import owner_of, require_magic_key
from buddy.chat import guards, service
from buddy.chat.response import ChatStreamingResponse
from buddy.chat.schemas import ChatRequest
from buddy.conversations import service as conversations
from buddy.deps import ServicesDep, client_address
from buddy.errors import BuddyError, error_responses
from buddy.metrics.registry import CHAT_STREAMS
from buddy.routing import CheckedRoute

router = APIRouter(prefix="/api", tags=["chat"], route_class=CheckedRoute)

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.post(
    "/chat",
    summary="Streamed, cited answer as JSON Lines",
    response_class=ChatStreamingResponse,
    # The 200 body is JSON Lines, one event a line, documented in the README; OpenAPI has no
    # schema language for a stream, so only its media type is declared.
    responses={
        200: {"content": {"application/x-ndjson": {}}},
        **error_responses(400, 401, 403, 404, 413, 415, 422, 429, 503),
    },
)
async def chat(
    request: ChatRequest,
    http_request: Request,
    services: ServicesDep,
    x_magic_key: Annotated[str | None, Header(max_length=200)] = None,
    x_owner_token: Annotated[str | None, Header(max_length=200)] = None,
) -> ChatStreamingResponse:
    settings = services.settings
    try:
        question = guards.question_of(request, settings)
        key = await require_magic_key(services.storage, settings, request.magic_key or x_magic_key)
        await guards.check_rate(services.limiter, key, client_address(http_request))
        turn = None
        if request.conversation_id is not None:
            turn = service.Turn(owner_of(key, x_owner_token), request.conversation_id)
            await conversations.check_room(
                services.storage, settings, turn.owner, turn.conversation_id
            )
        # The place is taken and its release handed to the response in one expression, and
        # given back when the response ends: a body that never started would not run its own
        # `finally`.
        return ChatStreamingResponse(
            service.chat_stream(question, request, services, turn),
            media_type="application/x-ndjson",
            headers=STREAM_HEADERS,
            on_close=services.stream_gate.enter(),
        )
    except BuddyError:
        CHAT_STREAMS.labels(settings.chat_provider, "refused").inc()
        raise
