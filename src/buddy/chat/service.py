"""Turn a chat request into a framed event stream from the configured answerer."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio
import structlog
from opentelemetry import trace
from opentelemetry.context import Context

from buddy.chat.agent import agent_answer
from buddy.chat.offline import offline_answer
from buddy.chat.schemas import ChatFilters, ChatRequest
from buddy.chat.stream import Event, frame
from buddy.chat.tools import ChatContext, tool_failed
from buddy.conversations.service import title_of
from buddy.errors import BuddyError
from buddy.metrics.registry import (
    CHAT_DURATION,
    CHAT_FIRST_CONTENT,
    CHAT_STREAMS,
    LLM_TOKENS,
    TOOL_CALLS,
)
from buddy.observability import in_span, span_hex, tracer
from buddy.services import Services
from buddy.storage.base import Storage
from buddy.storage.records import AnswerRecord, Citation, ConversationMessage, ToolCall
from buddy.taxonomy import Facet, filter_tag

log = structlog.get_logger(__name__)
# Enough of an answer to judge it in a feedback export; whole answers are rarely longer.
_KEPT_ANSWER_CHARS = 8000
# A saved conversation keeps whole answers, within a bound that keeps its documents small.
_SAVED_ANSWER_CHARS = 100_000
_TOKEN_NAMES = {"input_tokens": "prompt", "output_tokens": "completion"}


@dataclass(frozen=True)
class Turn:
    """The saved conversation a question and its answer are appended to (already checked to
    be the caller's)."""

    owner: str
    conversation_id: str


def filter_tags(filters: ChatFilters) -> list[str]:
    """The library filter narrows retrieval. Provider and .NET version are too rare as page
    tags to require; they shape the instructions of model answers instead."""
    library = filter_tag(filters.aiLibrary, Facet.LIBRARY) if filters.aiLibrary else None
    return [library] if library else []


async def chat_stream(
    question: str,
    request: ChatRequest,
    services: Services,
    turn: Turn | None = None,
    heartbeat_seconds: float = 15.0,
) -> AsyncIterator[bytes]:
    """The response body: JSON Lines under one root `chat` span whose id is the span_id.
    With a `turn`, the question and then the answer, however the stream ends, are saved."""
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
    seen = _Seen(started=time.perf_counter())
    if turn is not None:
        question_message = ConversationMessage(-1, "user", question, datetime.now(UTC))
        await _save(services.storage, turn, question_message, title_of(question))
    try:
        tags = filter_tags(request.filters)
        span.set_attribute("chat.filters.tags", tags)
        events = _answer(services, request, question, tags)
        observed = seen.watch(in_span(span, events), span)
        if turn is not None:
            observed = _saving(observed, services.storage, turn, seen, (span_id, trace_id))
        async for line in frame(observed, span_id, trace_id, heartbeat_seconds):
            yield line
        seen.finished = True
    finally:
        seen.close_span(span)
        seen.count(provider)
        if turn is not None and not seen.saved:
            # The client left mid-answer. Shielded: leaving cancels this task, and what was
            # said until then is saved too.
            with anyio.CancelScope(shield=True):
                await _save(services.storage, turn, seen.message(span_id, trace_id, "cancelled"))
    # Only a stream that reached its end is kept: a client that went away rated nothing.
    if seen.finished:
        record = AnswerRecord(
            span_id=span_id,
            trace_id=trace_id,
            question=question,
            answer="".join(seen.text)[:_KEPT_ANSWER_CHARS],
            created_at=datetime.now(UTC),
            sources=tuple(citation.url for citation in seen.citations),
            provider=provider,
            error_code=seen.error_code,
            tools=tuple(call.tool for call in seen.tool_calls),
            duration_s=round(time.perf_counter() - seen.started, 3),
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
    """What went past in one answer's stream: for the root span, the metrics and the answer
    record."""

    started: float  # perf_counter at the request
    text: list[str] = field(default_factory=list)
    error_code: str = ""
    usage: dict[str, int] = field(default_factory=dict)
    finished: bool = False
    streaming: trace.Span | None = None
    citations: list[Citation] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)  # in the order called
    unanswered_tools: list[str] = field(default_factory=list)  # called, no output yet
    saved: bool = False  # the answer is in its conversation

    async def watch(
        self, events: AsyncIterator[Event], root: trace.Span
    ) -> AsyncGenerator[Event, None]:
        try:
            async for event in events:
                if event["type"] == "content":
                    if self.streaming is None:  # from the first word to the last
                        context = trace.set_span_in_context(root)
                        self.streaming = tracer().start_span("stream", context=context)
                        CHAT_FIRST_CONTENT.observe(time.perf_counter() - self.started)
                    self.text.append(event["content"])
                elif event["type"] == "tool_call":
                    self.tool_calls.append(ToolCall(event["tool"], dict(event["args"])))
                    self.unanswered_tools.append(event["tool"])
                elif event["type"] == "tool output":
                    self._tool_done(event["tool"], event["content"])
                elif event["type"] == "citation":
                    self.citations.append(Citation(event["title"], event["url"], event["source"]))
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

    def _tool_done(self, tool: str, output: str) -> None:
        if tool not in self.unanswered_tools:
            return  # a notice (the Microsoft Learn tools are missing), not a call's output
        self.unanswered_tools.remove(tool)
        TOOL_CALLS.labels(tool, "error" if tool_failed(output) else "ok").inc()

    def count(self, provider: str) -> None:
        """The stream's outcome, length, tokens and the tool calls that never answered."""
        # Not finished: the client went away before the last line.
        outcome = "error" if self.error_code else "complete"
        if not self.finished:
            outcome = "cancelled"
        CHAT_STREAMS.labels(provider, outcome).inc()
        CHAT_DURATION.observe(time.perf_counter() - self.started)
        for kind, used in self.usage.items():
            LLM_TOKENS.labels(_TOKEN_NAMES.get(kind, kind)).inc(used)
        if self.error_code:  # a tool that raised ended the answer without an output
            for tool in self.unanswered_tools:
                TOOL_CALLS.labels(tool, "error").inc()

    def message(self, span_id: str, trace_id: str, status: str) -> ConversationMessage:
        """The answer so far as a conversation message that ended with `status`."""
        return ConversationMessage(
            seq=-1,
            role="assistant",
            content="".join(self.text)[:_SAVED_ANSWER_CHARS],
            created_at=datetime.now(UTC),
            span_id=span_id,
            trace_id=trace_id,
            citations=tuple(self.citations),
            tool_calls=tuple(self.tool_calls),
            status=status,
            error_code=self.error_code,
        )

    def close_span(self, span: trace.Span) -> None:
        answer = "".join(self.text)
        if self.streaming is not None:
            self.streaming.set_attribute("stream.characters", len(answer))
            self.streaming.end()
        span.set_attributes(
            {
                "output.value": answer[:_KEPT_ANSWER_CHARS],
                "chat.citations": len(self.citations),
                **{f"llm.token_count.{_TOKEN_NAMES.get(k, k)}": v for k, v in self.usage.items()},
            }
        )
        if self.error_code:
            span.set_attribute("chat.error_code", self.error_code)
            span.set_status(trace.StatusCode.ERROR, self.error_code)
        else:
            span.set_status(trace.StatusCode.OK)
        span.end()


async def _saving(
    events: AsyncIterator[Event],
    storage: Storage,
    turn: Turn,
    seen: _Seen,
    ids: tuple[str, str],
) -> AsyncGenerator[Event, None]:
    """Save the answer once the answerer ends, before the stream's last line goes out: a
    client that reads the conversation after `complete` or `error` finds the answer there."""
    try:
        async for event in events:
            yield event
    except Exception:
        await _save(storage, turn, seen.message(*ids, "error"))
        seen.saved = True
        raise
    await _save(storage, turn, seen.message(*ids, "complete"))
    seen.saved = True


async def _save(
    storage: Storage, turn: Turn, message: ConversationMessage, title: str = ""
) -> None:
    """Like the answer record, a failed save is logged and never fails the stream."""
    try:
        saved = await storage.conversations.append_messages(
            turn.owner, turn.conversation_id, [message], title
        )
    except Exception as exc:
        log.warning("conversation_not_saved", error_type=type(exc).__name__, role=message.role)
        return
    if saved is None:  # deleted while the answer streamed
        log.info("conversation_gone", role=message.role)


async def _keep_answer(storage: Storage, record: AnswerRecord) -> None:
    """Losing an answer record must never fail a stream that already completed."""
    try:
        await storage.answers.add_answer(record)
    except Exception as exc:
        log.warning("answer_not_kept", error_type=type(exc).__name__, trace_id=record.trace_id)
