"""Turn a chat request into a framed event stream from the configured answerer."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from opentelemetry import trace

from buddy.chat.agent import AgentServices, agent_answer
from buddy.chat.offline import offline_answer
from buddy.chat.schemas import ChatFilters, ChatRequest
from buddy.chat.stream import Event, frame
from buddy.config import Settings
from buddy.errors import BuddyError
from buddy.observability import span_hex, tracer
from buddy.taxonomy import Facet, slug_for


class EmptyMessageError(BuddyError):
    status_code = 400
    code = "empty_message"


def question_of(request: ChatRequest) -> str:
    """The question, checked before any streaming starts."""
    question = request.message.strip()
    if not question:
        raise EmptyMessageError("The message is empty; type a question.")
    return question


def filter_tags(filters: ChatFilters) -> list[str]:
    """The library filter narrows retrieval. Provider and .NET version are too rare as page
    tags to require; they shape the instructions of model answers instead."""
    library = slug_for(filters.aiLibrary, Facet.LIBRARY) if filters.aiLibrary else None
    return [library] if library else []


async def chat_stream(
    question: str,
    request: ChatRequest,
    settings: Settings,
    services: AgentServices,
    heartbeat_seconds: float = 15.0,
) -> AsyncIterator[bytes]:
    """The response body: JSON Lines under one root `chat` span whose id is the span_id."""
    provider = settings.chat_provider
    span = tracer().start_span("chat", attributes={"chat.provider": provider})
    span_id, trace_id = span_hex(span)
    try:
        tags = filter_tags(request.filters)
        span.set_attribute("chat.filters.tags", tags)
        events: AsyncGenerator[Event, None] = (
            offline_answer(services.kb, question, tags)
            if provider == "offline"
            else agent_answer(settings, services, request, question, tags)
        )
        async for line in frame(events, span_id, trace_id, heartbeat_seconds):
            yield line
    finally:
        span.set_status(trace.StatusCode.OK)
        span.end()
