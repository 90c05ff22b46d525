"""Count and time every HTTP request by its route template."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from buddy.metrics.registry import HTTP_DURATION, HTTP_REQUESTS

# Paths that matched no route share one label, so probes of random URLs cannot grow the
# metric without bound.
UNMATCHED = "unmatched"


class RequestMetrics:
    """Raw ASGI, outermost: it sees the status of every answer, a body-size 413 and an
    unhandled 500 included, and a streamed answer's whole length."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server sends when the app fails before it answered

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = route_of(scope)
            HTTP_REQUESTS.labels(route, scope["method"], str(status)).inc()
            HTTP_DURATION.labels(route).observe(time.perf_counter() - started)


def route_of(scope: Scope) -> str:
    """The matched route's template (`/api/news`, `/static`), set on the scope by the router."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED
