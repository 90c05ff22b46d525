"""A fast scripted OpenAI-compatible server for benchmarks, in its own process.

It streams the same Chat Completions chunks as the test fixture (`text_turn`), after a fixed
delay that stands for the model's own time to first token. asyncio + uvicorn, so the stub
is never the bottleneck of what it measures.

Run: python -m benchmarks.model_stub PORT DELAY_SECONDS [TOKENS GAP_SECONDS]
With TOKENS and GAP_SECONDS, the answer is TOKENS words, one chunk each, GAP_SECONDS apart,
like a model generating at its own pace; without them, three chunks sent at once.
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


def build(delay: float, tokens: int = 0, gap: float = 0.0) -> Starlette:
    words = [f"word{n} " for n in range(tokens)] or ["Use ", "IChatClient ", "with streaming."]
    chunks = text_turn(*words)
    final = {**chunks[-1], "choices": [], "usage": USAGE}
    payload = [f"data: {json.dumps(chunk)}\n\n".encode() for chunk in [*chunks, final]]

    async def completions(request: Request) -> StreamingResponse:
        await request.body()

        async def stream() -> AsyncIterator[bytes]:
            await asyncio.sleep(delay)
            for number, part in enumerate(payload):
                if gap and number > 1:  # the role chunk and the first word arrive together
                    await asyncio.sleep(gap)
                yield part
            yield b"data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def main() -> None:
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    tokens, gap = (int(sys.argv[3]), float(sys.argv[4])) if len(sys.argv) > 4 else (0, 0.0)
    print("ready", flush=True)
    uvicorn.run(
        build(delay, tokens, gap), host="127.0.0.1", port=port, log_level="error", backlog=2048
    )


if __name__ == "__main__":
    main()
