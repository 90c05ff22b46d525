"""The agent's OpenAI client reads streamed replies with pydantic's validator, and still takes
what a loosely compatible server sends: checked against the stock client over real streams
from the scripted model server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai.types.responses import ResponseCompletedEvent

from buddy.chat.llm_client import BuddyOpenAI
from tests.fixtures.model_server import Script, model_server, responses_turn, text_turn, tool_turn

pytestmark = pytest.mark.anyio


@pytest.fixture
def scripted() -> Iterator[tuple[str, Script]]:
    with model_server() as served:
        yield served


async def _chunks(client: openai.AsyncOpenAI) -> list[Any]:
    async with client:
        stream = await client.chat.completions.create(
            model="scripted", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        return [chunk async for chunk in stream]


async def _both(url: str, script: Script, turn: list[dict[str, Any]]) -> tuple[list[Any], ...]:
    script.turns = [turn, turn]
    fast = await _chunks(BuddyOpenAI(api_key="unused", base_url=url, max_retries=0))
    stock = await _chunks(openai.AsyncOpenAI(api_key="unused", base_url=url, max_retries=0))
    return fast, stock


@pytest.mark.parametrize(
    "turn",
    [text_turn("Use ", "IChatClient."), tool_turn("search_knowledge_base", '{"query": "agents"}')],
    ids=["text", "tool call split across chunks"],
)
async def test_chunks_match_the_stock_client(scripted: tuple[str, Script], turn: Any) -> None:
    fast, stock = await _both(*scripted, turn)
    assert [type(chunk).__name__ for chunk in fast] == ["ChatCompletionChunk"] * len(stock)
    assert [chunk.model_dump() for chunk in fast] == [chunk.model_dump() for chunk in stock]
    assert len(fast) == len(turn) + 1  # and the usage chunk


async def test_chunks_are_validated_not_just_built(scripted: tuple[str, Script]) -> None:
    # A float timestamp is coerced to the schema's int only by validation: the fast path ran.
    turn = [{**chunk, "created": 1.0} for chunk in text_turn("Hello")]
    fast, stock = await _both(*scripted, turn)
    assert {type(chunk.created) for chunk in fast} == {int}
    assert type(stock[0].created) is float


async def test_off_schema_chunks_still_parse(scripted: tuple[str, Script]) -> None:
    # Some compatible servers leave out `object` and `created` and add fields of their own.
    turn = [
        {k: v for k, v in chunk.items() if k not in {"object", "created"}} | {"x_timing": 3}
        for chunk in text_turn("Local ", "model")
    ]
    fast, stock = await _both(*scripted, turn)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in fast if chunk.choices)
    assert text == "Local model"
    assert [chunk.model_dump() for chunk in fast] == [chunk.model_dump() for chunk in stock]
    assert fast[0].model_extra == {"x_timing": 3}


async def test_responses_events_resolve_to_their_own_types(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.turns = [responses_turn("Hello ", "there")]
    async with BuddyOpenAI(api_key="unused", base_url=url, max_retries=0) as client:
        stream = await client.responses.create(model="scripted", input="hi", stream=True)
        events = [event async for event in stream]
    assert [type(event).__name__ for event in events] == [
        "ResponseCreatedEvent",
        "ResponseTextDeltaEvent",
        "ResponseTextDeltaEvent",
        "ResponseCompletedEvent",
    ]
    completed = events[-1]
    assert isinstance(completed, ResponseCompletedEvent)
    assert completed.response.output_text == "Hello there"
