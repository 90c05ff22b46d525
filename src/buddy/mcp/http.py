"""`/mcp` in the web app: streamable HTTP over the app's own services graph.

The SDK's session manager needs a running task group, which a mounted sub-app's lifespan would
never get (Starlette does not run the lifespans of mounted apps); so the endpoint is a plain
ASGI app routed at `/mcp`, and the web app's lifespan enters `serving()` once its services are
open. Stateless with JSON responses: every POST stands alone, so any worker behind a load
balancer can answer it, and a tool call is one request and one response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_address

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from buddy.auth.service import require_magic_key
from buddy.chat.guards import check_rate
from buddy.config import Settings
from buddy.errors import BuddyError, ServiceUnavailableError, error_body
from buddy.mcp.server import build_server
from buddy.services import Services

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class McpEndpoint:
    """The ASGI app behind `/mcp`: the access key and rate limit first, then the MCP SDK."""

    def __init__(self) -> None:
        self._manager: StreamableHTTPSessionManager | None = None
        self._services: Services | None = None

    @asynccontextmanager
    async def serving(self, services: Services) -> AsyncIterator[None]:
        """For the app's lifespan: serve MCP over `services` until the app stops."""
        settings = services.settings
        server = build_server(services)
        server.streamable_http_app(  # builds the session manager; its Starlette app is unused
            stateless_http=True,
            json_response=True,
            max_request_body_size=settings.max_request_bytes,
            transport_security=transport_security(settings),
        )
        manager = server.session_manager
        async with manager.run():
            self._manager, self._services = manager, services
            try:
                yield
            finally:
                self._manager = self._services = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        manager, services = self._manager, self._services
        try:
            if manager is None or services is None:
                raise ServiceUnavailableError("The MCP server is starting or stopping.")
            await admit(services, scope)
        except BuddyError as exc:
            body = error_body(exc.detail, exc.code)
            response = JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
            await response(scope, receive, send)
            return
        await manager.handle_request(scope, receive, send)


async def admit(services: Services, scope: Scope) -> None:
    """Production: a valid magic key (Bearer or X-Magic-Key), and each POST counts against the
    key's rate limit as a chat request does. Development: open, under the API's limit."""
    headers = Headers(scope=scope)
    key = await require_magic_key(services.storage, services.settings, presented_key(headers))
    if scope["method"] != "POST":  # the session's GET stream and DELETE carry no work
        return
    client = scope.get("client")
    address = client[0] if client else "unknown"
    if key is None:
        limiter = services.limiter
        await limiter.check(limiter.api, "api", address)
    else:
        await check_rate(services.limiter, key, address)


def presented_key(headers: Headers) -> str | None:
    """The key from `Authorization: Bearer KEY` (what MCP clients send) or `X-Magic-Key`."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return headers.get("x-magic-key") or None


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Bound to a loopback address, only loopback Host headers are served, so a web page cannot
    reach the open development endpoint by rebinding its own name to 127.0.0.1. Bound wider,
    the Host is whatever the deployment calls itself; the access key guards production."""
    if not _is_loopback(settings.host):
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    origins = [f"http://{host}:*" for host in _LOCAL_HOSTS]
    origins += [origin for origin in settings.cors_origins if origin != "*"]
    return TransportSecuritySettings(
        allowed_hosts=[f"{host}{port}" for host in _LOCAL_HOSTS for port in ("", ":*")],
        allowed_origins=origins,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
