"""The JSON Lines chat protocol: `metadata` first, exactly one `complete` or `error` last,
`heartbeat` while nothing else is sent. Whatever the answerer does, the framing holds."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

import structlog

from buddy.errors import BuddyError

log = structlog.get_logger(__name__)
PROTOCOL = 1


class MetadataEvent(TypedDict):
    type: Literal["metadata"]
    span_id: str
    trace_id: str
    timestamp: str
    protocol: int


class ContentEvent(TypedDict):
    type: Literal["content"]
    content: str


class ToolCallEvent(TypedDict):
    type: Literal["tool_call"]
    content: str
    tool: str
    args: dict[str, Any]


class ToolOutputEvent(TypedDict):
    type: Literal["tool output"]  # the seed's name, space and all
    content: str
    tool: str


class CitationEvent(TypedDict):
    type: Literal["citation"]
    title: str
    url: str
    source: str


class UsageEvent(TypedDict):
    type: Literal["usage"]
    input_tokens: int
    output_tokens: int


class HeartbeatEvent(TypedDict):
    type: Literal["heartbeat"]


class CompleteEvent(TypedDict):
    type: Literal["complete"]
    span_id: str
    timestamp: str


class ErrorEvent(TypedDict):
    type: Literal["error"]
    content: str
    code: str
    timestamp: str


# What an answerer yields; the framing adds metadata, heartbeats and the one complete or error.
Event = ContentEvent | ToolCallEvent | ToolOutputEvent | CitationEvent | UsageEvent
Line = Event | MetadataEvent | HeartbeatEvent | CompleteEvent | ErrorEvent


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def metadata(span_id: str, trace_id: str) -> MetadataEvent:
    return {
        "type": "metadata",
        "span_id": span_id,
        "trace_id": trace_id,
        "timestamp": now_iso(),
        "protocol": PROTOCOL,
    }


def content(text: str) -> ContentEvent:
    return {"type": "content", "content": text}


def tool_call(tool: str, args: dict[str, Any]) -> ToolCallEvent:
    return {"type": "tool_call", "content": "Tool called", "tool": tool, "args": args}


def tool_output(tool: str, text: str) -> ToolOutputEvent:
    return {"type": "tool output", "content": text, "tool": tool}


def citation(title: str, url: str, source: str) -> CitationEvent:
    return {"type": "citation", "title": title, "url": url, "source": source}


def usage(input_tokens: int, output_tokens: int) -> UsageEvent:
    return {"type": "usage", "input_tokens": input_tokens, "output_tokens": output_tokens}


def _line(event: Line) -> bytes:
    return (json.dumps(event, ensure_ascii=False) + "\n").encode()


# Events the answerer may run ahead of a slow reader; beyond this it waits, so a reader that
# falls behind slows the model stream down instead of filling memory.
_AHEAD = 256


_HEARTBEAT: HeartbeatEvent = {"type": "heartbeat"}


class _End:
    """Put on the queue after the answerer's last event."""


async def frame(
    events: AsyncGenerator[Event, None],
    span_id: str,
    trace_id: str,
    heartbeat_seconds: float = 15.0,
) -> AsyncGenerator[bytes, None]:
    """Wrap an answerer's events in the protocol; failures become one `error` line.

    The answerer runs in a task of its own and hands events over a queue, so a heartbeat
    interrupts only the wait for the next event, never the answerer's work. Events that are
    already waiting go out together in one write: under load, that is most of them."""
    yield _line(metadata(span_id, trace_id))
    queue: asyncio.Queue[Event | Exception | _End] = asyncio.Queue(_AHEAD)
    producer = asyncio.create_task(_produce(events, queue))
    try:
        while True:
            try:
                async with asyncio.timeout(heartbeat_seconds):
                    item = await queue.get()
            except TimeoutError:
                yield _line(_HEARTBEAT)
                continue
            lines: list[bytes] = []
            while not isinstance(item, _End | Exception):
                lines.append(_line(item))
                if queue.empty():
                    break
                item = queue.get_nowait()
            if lines:
                yield b"".join(lines)
            if isinstance(item, _End):
                break
            if isinstance(item, Exception):
                raise item
    except BuddyError as exc:
        log.warning("chat_failed", code=exc.code, trace_id=trace_id)
        yield _line(_error(exc.detail, exc.code))
        return
    except Exception as exc:
        log.error("chat_failed", error_type=type(exc).__name__, trace_id=trace_id, exc_info=exc)
        yield _line(_error("The answer could not be completed; please try again.", "internal"))
        return
    finally:
        # The answer ended, or the client went away: either way, stop the answerer's work.
        producer.cancel()
        with contextlib.suppress(BaseException):
            await producer
    yield _line(CompleteEvent(type="complete", span_id=span_id, timestamp=now_iso()))


async def _produce(
    events: AsyncGenerator[Event, None], queue: asyncio.Queue[Event | Exception | _End]
) -> None:
    try:
        async for event in events:
            await queue.put(event)
    except Exception as exc:  # the reader turns it into the one `error` line
        await queue.put(exc)
    except asyncio.CancelledError:
        # Cancelled by the reader (it has stopped reading: harmless) or from inside the
        # answerer, where the reader would otherwise wait for an end that never comes.
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(RuntimeError("the answer was cancelled before it ended"))
        raise
    else:
        await queue.put(_End())
    finally:
        with contextlib.suppress(Exception):
            await events.aclose()


def _error(message: str, code: str) -> ErrorEvent:
    return {"type": "error", "content": message, "code": code, "timestamp": now_iso()}
