from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from buddy.auth.service import require_magic_key
from buddy.chat import service
from buddy.chat.agent import AgentServices
from buddy.chat.response import ChatStreamingResponse
from buddy.chat.schemas import ChatRequest
from buddy.deps import GalleryDep, KnowledgeDep, NuGetDep, SettingsDep, StorageDep, client_address
from buddy.errors import error_responses
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
        **error_responses(400, 401, 403, 413, 415, 422, 429, 503),
    },
)
async def chat(
    request: ChatRequest,
    http_request: Request,
    storage: StorageDep,
    settings: SettingsDep,
    kb: KnowledgeDep,
    gallery: GalleryDep,
    nuget: NuGetDep,
    x_magic_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ChatStreamingResponse:
    question = service.question_of(request, settings)
    key = await require_magic_key(storage, settings, request.magic_key or x_magic_key)
    await service.check_rate(http_request.app.state.limiter, key, client_address(http_request))
    gate: service.StreamGate = http_request.app.state.stream_gate
    gate.enter()
    response = ChatStreamingResponse(
        service.chat_stream(
            question,
            request,
            settings,
            AgentServices(
                storage,
                kb,
                gallery,
                nuget,
                http_request.app.state.agent,
                http_request.app.state.mcp_note,
            ),
        ),
        media_type="application/x-ndjson",
        headers=STREAM_HEADERS,
    )
    response.on_close = gate.leave
    return response
