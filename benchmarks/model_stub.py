"""A fast scripted OpenAI-compatible server for benchmarks, in its own process.

It streams the same Chat Completions chunks as the test fixture (`text_turn`), after a fixed
delay that stands for the model's own time to first token. asyncio + uvicorn, so the stub
is never the bottleneck of what it measures.

Run: python -m benchmarks.model_stub PORT DELAY_SECONDS
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route
from tests.fixtures.model_server import text_turn

USAGE = {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}


def build(delay: float) -> Starlette:
    chunks = text_turn("Use ", "IChatClient ", "with streaming.")
    final = {**chunks[-1], "choices": [], "usage": USAGE}
    payload = [f"data: {json.dumps(chunk)}\n\n".encode() for chunk in [*chunks, final]]

    async def completions(request: Request) -> StreamingResponse:
        await request.body()

        async def stream() -> AsyncIterator[bytes]:
            await asyncio.sleep(delay)
            for part in payload:
                yield part
            yield b"data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def main() -> None:
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    print("ready", flush=True)
    uvicorn.run(build(delay), host="127.0.0.1", port=port, log_level="error", backlog=2048)


if __name__ == "__main__":
    main()
