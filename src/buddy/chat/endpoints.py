from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from buddy.auth.service import require_magic_key
from buddy.chat import service
from buddy.chat.agent import AgentServices
from buddy.chat.response import ChatStreamingResponse
from buddy.chat.schemas import ChatRequest
from buddy.deps import GalleryDep, KnowledgeDep, NuGetDep, SettingsDep, StorageDep, client_address

router = APIRouter(prefix="/api", tags=["chat"])

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.post(
    "/chat",
    summary="Streamed, cited answer as JSON Lines",
    response_class=ChatStreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
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
    return ChatStreamingResponse(
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
