"""Turn a chat request into a framed event stream from the configured answerer."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from opentelemetry import trace
from opentelemetry.context import Context

from buddy.chat.agent import agent_answer
from buddy.chat.offline import offline_answer
from buddy.chat.schemas import ChatFilters, ChatRequest
from buddy.chat.stream import Event, frame
from buddy.chat.tools import ChatContext
from buddy.errors import BuddyError
from buddy.observability import in_span, span_hex, tracer
from buddy.services import Services
from buddy.storage.base import Storage
from buddy.storage.records import AnswerRecord
from buddy.taxonomy import Facet, filter_tag

log = structlog.get_logger(__name__)
# Enough of an answer to judge it in a feedback export; whole answers are rarely longer.
_KEPT_ANSWER_CHARS = 8000
_TOKEN_NAMES = {"input_tokens": "prompt", "output_tokens": "completion"}


def filter_tags(filters: ChatFilters) -> list[str]:
    """The library filter narrows retrieval. Provider and .NET version are too rare as page
    tags to require; they shape the instructions of model answers instead."""
    library = filter_tag(filters.aiLibrary, Facet.LIBRARY) if filters.aiLibrary else None
    return [library] if library else []


async def chat_stream(
    question: str,
    request: ChatRequest,
    services: Services,
    heartbeat_seconds: float = 15.0,
) -> AsyncIterator[bytes]:
    """The response body: JSON Lines under one root `chat` span whose id is the span_id."""
    settings = services.settings
    provider = settings.chat_provider
    span = tracer().start_span(
        "chat",
        context=Context(),  # always a trace root: its id is what feedback refers to
        attributes={
            "openinference.span.kind": "CHAIN",
            "input.value": question,
            "chat.provider": provider,
            "chat.model": "" if provider == "offline" else settings.chat_model,
            "chat.history_turns": len(request.history),
            **{f"chat.filters.{k}": v for k, v in request.filters.model_dump().items() if v},
        },
    )
    span_id, trace_id = span_hex(span)
    seen = _Seen()
    try:
        tags = filter_tags(request.filters)
        span.set_attribute("chat.filters.tags", tags)
        events = _answer(services, request, question, tags)
        observed = seen.watch(in_span(span, events), span)
        async for line in frame(observed, span_id, trace_id, heartbeat_seconds):
            yield line
        seen.finished = True
    finally:
        seen.close_span(span)
    # Only a stream that reached its end is kept: a client that went away rated nothing.
    if seen.finished:
        record = AnswerRecord(
            span_id=span_id,
            trace_id=trace_id,
            question=question,
            answer="".join(seen.text)[:_KEPT_ANSWER_CHARS],
            created_at=datetime.now(UTC),
            sources=tuple(seen.sources),
            provider=provider,
            error_code=seen.error_code,
        )
        await _keep_answer(services.storage, record)


def _answer(
    services: Services, request: ChatRequest, question: str, tags: list[str]
) -> AsyncGenerator[Event, None]:
    """The agent when a model is configured, else the offline answerer."""
    if services.agent is None:
        return offline_answer(services.kb, question, tags)
    context = ChatContext(services, request.filters, tags)
    return agent_answer(
        services.agent,
        context,
        request,
        question,
        settings=services.settings,
        mcp_note=services.mcp_note,
    )


@dataclass
class _Seen:
    """What went past in one answer's stream: for the root span and the answer record."""

    text: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    error_code: str = ""
    usage: dict[str, int] = field(default_factory=dict)
    finished: bool = False
    streaming: trace.Span | None = None

    async def watch(
        self, events: AsyncIterator[Event], root: trace.Span
    ) -> AsyncGenerator[Event, None]:
        try:
            async for event in events:
                if event["type"] == "content":
                    if self.streaming is None:  # from the first word to the last
                        context = trace.set_span_in_context(root)
                        self.streaming = tracer().start_span("stream", context=context)
                    self.text.append(event["content"])
                elif event["type"] == "citation":
                    self.sources.append(event["url"])
                elif event["type"] == "usage":
                    self.usage = {
                        "input_tokens": event["input_tokens"],
                        "output_tokens": event["output_tokens"],
                    }
                yield event
        except BuddyError as exc:
            self.error_code = exc.code
            raise
        except Exception:
            self.error_code = "internal"
            raise

    def close_span(self, span: trace.Span) -> None:
        answer = "".join(self.text)
        if self.streaming is not None:
            self.streaming.set_attribute("stream.characters", len(answer))
            self.streaming.end()
        span.set_attributes(
            {
                "output.value": answer[:_KEPT_ANSWER_CHARS],
                "chat.citations": len(self.sources),
                **{f"llm.token_count.{_TOKEN_NAMES.get(k, k)}": v for k, v in self.usage.items()},
            }
        )
        if self.error_code:
            span.set_attribute("chat.error_code", self.error_code)
            span.set_status(trace.StatusCode.ERROR, self.error_code)
        else:
            span.set_status(trace.StatusCode.OK)
        span.end()


async def _keep_answer(storage: Storage, record: AnswerRecord) -> None:
    """Losing an answer record must never fail a stream that already completed."""
    try:
        await storage.answers.add_answer(record)
    except Exception as exc:
        log.warning("answer_not_kept", error_type=type(exc).__name__, trace_id=record.trace_id)
