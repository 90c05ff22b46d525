"""The stream framing: metadata first, one terminal line, heartbeats, errors without internals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from buddy.chat.stream import Event, content, frame
from buddy.errors import BuddyError

pytestmark = pytest.mark.anyio


async def collect(
    events: AsyncGenerator[Event, None], heartbeat: float = 15.0
) -> list[dict[str, Any]]:
    written = [
        chunk
        async for chunk in frame(events, "0123456789abcdef", "f" * 32, heartbeat_seconds=heartbeat)
    ]
    return [json.loads(line) for line in b"".join(written).splitlines()]


async def test_framing_and_heartbeats_while_the_answerer_is_quiet() -> None:
    async def slow() -> AsyncGenerator[Event, None]:
        yield content("first")
        await asyncio.sleep(0.35)
        yield content("second")

    lines = await collect(slow(), heartbeat=0.1)
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "metadata"
    assert lines[0]["span_id"] == "0123456789abcdef"
    assert lines[0]["protocol"] == 1
    assert kinds[-1] == "complete"
    assert lines[-1]["span_id"] == "0123456789abcdef"
    assert kinds.count("heartbeat") >= 2
    assert [line["content"] for line in lines if line["type"] == "content"] == ["first", "second"]


async def test_a_failure_ends_with_one_error_and_no_internals() -> None:
    async def broken() -> AsyncGenerator[Event, None]:
        yield content("partial")
        raise RuntimeError("secret connection string mongodb://user:pw@host")

    lines = await collect(broken())
    assert [line["type"] for line in lines] == ["metadata", "content", "error"]
    assert lines[-1]["code"] == "internal"
    assert "mongodb" not in json.dumps(lines)


async def test_a_known_failure_keeps_its_code() -> None:
    async def refused() -> AsyncGenerator[Event, None]:
        raise BuddyError("The model is busy; try again shortly.", code="model_busy")
        yield content("never")  # pragma: no cover - makes this a generator

    lines = await collect(refused())
    assert lines[-1] == {**lines[-1], "type": "error", "code": "model_busy"}
    assert lines[-1]["content"] == "The model is busy; try again shortly."


async def test_closing_the_stream_cancels_the_answerer() -> None:
    cancelled = asyncio.Event()

    async def endless() -> AsyncGenerator[Event, None]:
        try:
            yield content("start")
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    stream = frame(endless(), "0123456789abcdef", "f" * 32)
    assert json.loads(await anext(stream))["type"] == "metadata"
    assert json.loads(await anext(stream))["type"] == "content"

    async def next_line() -> bytes:
        return await anext(stream)

    reader = asyncio.create_task(next_line())
    await asyncio.sleep(0.05)
    reader.cancel()  # what the server does when the client disconnects
    with pytest.raises(asyncio.CancelledError):
        await reader
    await stream.aclose()
    await asyncio.wait_for(cancelled.wait(), 1)


def test_history_keeps_the_newest_turns_within_the_budget() -> None:
    from buddy.chat.agent import history_messages  # noqa: PLC0415
    from buddy.chat.schemas import HistoryTurn  # noqa: PLC0415

    turns = [
        HistoryTurn(role="user" if n % 2 == 0 else "assistant", content=f"turn {n} " + "x" * 392)
        for n in range(10)
    ]
    kept = history_messages(turns, budget_tokens=300)  # about 1,200 characters: three turns
    assert [message["content"][:6] for message in kept] == ["turn 7", "turn 8", "turn 9"]
    assert [message["role"] for message in kept] == ["assistant", "user", "assistant"]
    assert history_messages(turns, budget_tokens=0) == []


async def test_events_already_waiting_go_out_in_one_write() -> None:
    async def eager() -> AsyncGenerator[Event, None]:
        for word in ("one ", "two ", "three"):
            yield content(word)

    stream = frame(eager(), "0123456789abcdef", "f" * 32)
    assert json.loads(await anext(stream))["type"] == "metadata"
    await asyncio.sleep(0.05)  # a busy server: the answerer got ahead of the writer
    written = await anext(stream)
    assert [json.loads(line)["content"] for line in written.splitlines()] == [
        "one ",
        "two ",
        "three",
    ]
    assert json.loads(await anext(stream))["type"] == "complete"


async def test_an_answerer_cancelled_from_inside_still_ends_the_stream() -> None:
    async def cancelled_inside() -> AsyncGenerator[Event, None]:
        yield content("partial")
        raise asyncio.CancelledError  # what a library's own cancelled task can surface

    lines = await asyncio.wait_for(collect(cancelled_inside()), 5)
    assert [line["type"] for line in lines] == ["metadata", "content", "error"]
    assert lines[-1]["code"] == "internal"
