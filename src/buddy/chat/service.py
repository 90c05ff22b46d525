"""Turn a chat request into a framed event stream from the configured answerer."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from opentelemetry import trace
from opentelemetry.context import Context

from buddy.chat.agent import AgentServices, agent_answer
from buddy.chat.offline import offline_answer
from buddy.chat.schemas import ChatFilters, ChatRequest
from buddy.chat.stream import Event, frame
from buddy.config import Settings
from buddy.errors import BuddyError, LimitExceededError, ServiceUnavailableError
from buddy.observability import in_span, span_hex, tracer
from buddy.ratelimit import RateLimiter, per_minute
from buddy.storage.base import Storage
from buddy.storage.records import AnswerRecord, MagicKey
from buddy.taxonomy import Facet, filter_tag

log = structlog.get_logger(__name__)
# Enough of an answer to judge it in a feedback export; whole answers are rarely longer.
_KEPT_ANSWER_CHARS = 8000
_TOKEN_NAMES = {"input_tokens": "prompt", "output_tokens": "completion"}
_BUSY_RETRY_SECONDS = 2


class EmptyMessageError(BuddyError):
    status_code = 400
    code = "empty_message"


class ServerBusyError(ServiceUnavailableError):
    code = "server_busy"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(_BUSY_RETRY_SECONDS)}


class StreamGate:
    """At most `limit` chat streams open in this worker (0: no cap). A worker whose CPU is
    already spent streaming turns a new question away at once, rather than making every open
    answer (and every other route) slower for everyone. One event loop: no lock needed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def enter(self) -> None:
        if self.limit and self.open >= self.limit:
            raise ServerBusyError(
                f"The server is answering {self.open} questions already; try again in a "
                f"moment (BUDDY_MAX_OPEN_STREAMS={self.limit})."
            )
        self.open += 1

    def leave(self) -> None:
        self.open -= 1


def question_of(request: ChatRequest, settings: Settings) -> str:
    """The question, checked against the configured limits before any streaming starts."""
    question = request.message.strip()
    if not question:
        raise EmptyMessageError("The message is empty; type a question.")
    _within(len(request.message), settings.max_message_chars, "message characters", "MESSAGE_CHARS")
    _within(len(request.history), settings.max_history_turns, "history turns", "HISTORY_TURNS")
    history_chars = sum(len(turn.content) for turn in request.history)
    _within(history_chars, settings.max_history_chars, "history characters", "HISTORY_CHARS")
    return question


def _within(size: int, limit: int, what: str, setting: str) -> None:
    if size > limit:
        msg = f"The request has {size} {what}; the limit is {limit} (BUDDY_MAX_{setting})."
        raise LimitExceededError(msg)


async def check_rate(limiter: RateLimiter, key: MagicKey | None, address: str) -> None:
    """Chat is counted per key when the request carries one (production), else per address;
    a key with its own limit is held to that instead of BUDDY_RATE_LIMIT_CHAT."""
    if key is not None and key.requests_per_minute:
        await limiter.check(per_minute(key.requests_per_minute), "key", key.id)
    elif key is not None:
        await limiter.check(limiter.chat, "chat", f"key:{key.id}")
    else:
        await limiter.check(limiter.chat, "chat", f"ip:{address}")


def filter_tags(filters: ChatFilters) -> list[str]:
    """The library filter narrows retrieval. Provider and .NET version are too rare as page
    tags to require; they shape the instructions of model answers instead."""
    library = filter_tag(filters.aiLibrary, Facet.LIBRARY) if filters.aiLibrary else None
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
        events: AsyncGenerator[Event, None] = (
            offline_answer(services.kb, question, tags)
            if provider == "offline"
            else agent_answer(settings, services, request, question, tags)
        )
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
                kind = event.get("type")
                if kind == "content":
                    if self.streaming is None:  # from the first word to the last
                        context = trace.set_span_in_context(root)
                        self.streaming = tracer().start_span("stream", context=context)
                    self.text.append(str(event.get("content", "")))
                elif kind == "citation":
                    self.sources.append(str(event.get("url", "")))
                elif kind == "usage":
                    self.usage = {k: int(v) for k, v in event.items() if k.endswith("_tokens")}
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
