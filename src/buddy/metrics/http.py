"""Count and time every HTTP request by its route template."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from buddy.metrics.registry import HTTP_DURATION, HTTP_REQUESTS

# Paths that matched no route share one label, and so do methods no route serves, so probes
# of random URLs or verbs cannot grow the metric without bound.
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_Children = tuple[Any, Any]  # the counter's and the histogram's series for one label set


class RequestMetrics:
    """Raw ASGI, outermost: it sees the status of every answer, a body-size 413 and an
    unhandled 500 included, and a streamed answer's whole length."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # `labels()` validates and locks on every call; the label sets are few, so each one's
        # series are looked up once.
        self._series: dict[tuple[str, str, int], _Children] = {}

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
            requests, duration = self._children(route_of(scope), scope["method"], status)
            requests.inc()
            duration.observe(time.perf_counter() - started)

    def _children(self, route: str, method: str, status: int) -> _Children:
        key = (route, method, status)
        found = self._series.get(key)
        if found is None:
            verb = method if method in _METHODS else "other"
            found = (
                HTTP_REQUESTS.labels(route, verb, str(status)),
                HTTP_DURATION.labels(route),
            )
            if verb == method:  # an unknown verb is not kept as a key either
                self._series[key] = found
        return found


def route_of(scope: Scope) -> str:
    """The matched route's template (`/api/news`, `/static`), set on the scope by the router."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED
