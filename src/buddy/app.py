"""The application factory. Importing this module starts nothing and reads no settings."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import Route

from buddy import __version__
from buddy.chat.endpoints import router as chat_router
from buddy.config import Settings, load_settings
from buddy.conversations.endpoints import router as conversations_router
from buddy.deps import limit_api
from buddy.errors import install_error_handlers
from buddy.feedback.endpoints import router as feedback_router
from buddy.health.endpoints import router as health_router
from buddy.insights.endpoints import router as insights_router
from buddy.mcp.http import McpEndpoint
from buddy.metrics.endpoints import router as metrics_router
from buddy.metrics.http import RequestMetrics
from buddy.metrics.registry import prime
from buddy.middleware import BodySizeLimit, SecurityHeaders
from buddy.news.endpoints import router as news_router
from buddy.nuget.endpoints import router as nuget_router
from buddy.observability import instrument_app, setup_tracing
from buddy.samples.endpoints import router as samples_router
from buddy.services import background_jobs, open_services
from buddy.telemetry.endpoints import router as telemetry_router
from buddy.web.assets import web_assets
from buddy.web.endpoints import router as web_router

log = structlog.get_logger(__name__)

DESCRIPTION = (
    "Answers for C#/.NET developers building AI apps: a streamed, cited chat, "
    "a samples gallery, news, NuGet data and feedback."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app; settings are read from the environment when not given."""
    settings = settings if settings is not None else load_settings()
    setup_tracing()
    mcp = McpEndpoint()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_services(settings, chat=True) as services,
            background_jobs(services),
            mcp.serving(services),
        ):
            app.state.services = services
            log.info(
                "service_started",
                storage=services.storage.name,
                env=settings.environment.value,
                traces=",".join(services.trace_targets) or "none",
            )
            _freeze_startup_heap()
            yield
        log.info("service_stopped")

    app = FastAPI(
        title="C# AI Buddy",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    instrument_app(app)
    # Added first, so CORS wraps it and a 413 still carries CORS headers.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)  # outside BodySizeLimit, so its 413 carries them too
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        # Browsers reject credentials with a wildcard origin; only listed origins get them.
        allow_credentials="*" not in settings.cors_origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        # Authorization and Mcp-Protocol-Version: what a browser-based MCP client sends to /mcp.
        allow_headers=[
            "Content-Type",
            "X-Magic-Key",
            "X-Owner-Token",
            "Authorization",
            "Mcp-Protocol-Version",
        ],
    )
    if settings.metrics:
        prime(settings.chat_provider)
        # Outermost: it times and counts every answer, CORS preflights and 413s included.
        app.add_middleware(RequestMetrics)
    app.include_router(health_router)
    app.include_router(chat_router)  # counts against BUDDY_RATE_LIMIT_CHAT itself
    if settings.metrics:
        # Not rate limited: a scrape must not be refused by the limits it reports on.
        app.include_router(metrics_router)
    limited = [Depends(limit_api)]
    for router in (
        insights_router,
        conversations_router,
        feedback_router,
        telemetry_router,
        news_router,
        samples_router,
        nuget_router,
        web_router,
    ):
        app.include_router(router, dependencies=limited)
    app.mount("/static", web_assets(), name="static")
    # A route, not a mount: a mount would answer `/mcp` with a redirect to `/mcp/`.
    app.router.routes.append(Route("/mcp", mcp, include_in_schema=False))
    return app


def _freeze_startup_heap() -> None:
    """What is alive once the app has started (modules, the agent, the model, the clients)
    lives as long as the process. Moved out of the collector's sight, it no longer makes each
    full collection a pause of 150-200 ms on this machine, which some answer would wait out.
    No collection first: it would add those 150-200 ms to every start, to free the little
    garbage made since the collector last ran.
    Once per process: later apps (tests start many) would also freeze what they leave behind."""
    if not gc.get_freeze_count():
        gc.freeze()
