"""The HTTP side of a chat stream: a client that stops reading is dropped, not waited for."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

import structlog
from fastapi.responses import StreamingResponse
from starlette.responses import ContentStream
from starlette.types import Message, Receive, Scope, Send

log = structlog.get_logger(__name__)

# A reader that has not taken a line for this long has gone (or never will); each waiting
# stream holds a model request and buffered lines. Socket buffers hold far more than one
# answer, so a send blocks only once a reader has fallen far behind or stopped.
SEND_TIMEOUT_S = 10.0


class _ClientStoppedReading(Exception):
    pass


class ChatStreamingResponse(StreamingResponse):
    """A streaming response whose writes give up after `send_timeout` seconds, then close the
    answer (cancelling the model request) and end the response unfinished, which makes the
    server close the connection."""

    send_timeout: float = SEND_TIMEOUT_S

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,  # FastAPI reads this default for the OpenAPI document
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        *,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type)
        self.on_close = on_close  # runs once the response is over, however it ends

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.on_close is not None:
                self.on_close()

    async def stream_response(self, send: Send) -> None:
        async def bounded_send(message: Message) -> None:
            try:
                # asyncio.timeout, not wait_for: no extra task per line sent.
                async with asyncio.timeout(self.send_timeout):
                    await send(message)
            except TimeoutError:
                raise _ClientStoppedReading from None

        try:
            await super().stream_response(bounded_send)
        except _ClientStoppedReading:
            log.warning("chat_client_stopped_reading", timeout_s=self.send_timeout)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
