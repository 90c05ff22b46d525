"""The JSON Lines chat protocol: `metadata` first, exactly one `complete` or `error` last,
`heartbeat` while nothing else is sent. Whatever the answerer does, the framing holds."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import structlog

from buddy.errors import BuddyError

log = structlog.get_logger(__name__)
PROTOCOL = 1
Event = dict[str, Any]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def metadata(span_id: str, trace_id: str) -> Event:
    return {
        "type": "metadata",
        "span_id": span_id,
        "trace_id": trace_id,
        "timestamp": now_iso(),
        "protocol": PROTOCOL,
    }


def content(text: str) -> Event:
    return {"type": "content", "content": text}


def tool_call(tool: str, args: dict[str, Any]) -> Event:
    return {"type": "tool_call", "content": "Tool called", "tool": tool, "args": args}


def tool_output(tool: str, text: str) -> Event:
    return {"type": "tool output", "content": text, "tool": tool}


def citation(title: str, url: str, source: str) -> Event:
    return {"type": "citation", "title": title, "url": url, "source": source}


def _line(event: Event) -> bytes:
    return (json.dumps(event, ensure_ascii=False) + "\n").encode()


async def frame(
    events: AsyncGenerator[Event, None],
    span_id: str,
    trace_id: str,
    heartbeat_seconds: float = 15.0,
) -> AsyncGenerator[bytes, None]:
    """Wrap an answerer's events in the protocol; failures become one `error` line."""
    yield _line(metadata(span_id, trace_id))
    iterator = events.__aiter__()
    pending: asyncio.Task[Event] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=heartbeat_seconds)
            if not done:
                yield _line({"type": "heartbeat"})
                continue
            task, pending = pending, None
            try:
                event = task.result()
            except StopAsyncIteration:
                break
            yield _line(event)
    except BuddyError as exc:
        log.warning("chat_failed", code=exc.code, trace_id=trace_id)
        yield _line(_error(exc.detail, exc.code))
        return
    except Exception as exc:
        log.error("chat_failed", error_type=type(exc).__name__, trace_id=trace_id, exc_info=exc)
        yield _line(_error("The answer could not be completed; please try again.", "internal"))
        return
    finally:
        if pending is not None:  # the client went away: stop the answerer's work too
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        with contextlib.suppress(Exception):
            await events.aclose()
    yield _line({"type": "complete", "span_id": span_id, "timestamp": now_iso()})


def _error(message: str, code: str) -> Event:
    return {"type": "error", "content": message, "code": code, "timestamp": now_iso()}
