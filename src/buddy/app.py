"""The application factory. Importing this module starts nothing and reads no settings."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpx
import structlog
from agents.mcp import MCPServerStreamableHttp
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from buddy import __version__
from buddy.chat.agent import build_agent, connect_mcp
from buddy.chat.endpoints import router as chat_router
from buddy.chat.llm_client import create_llm_client
from buddy.chat.service import StreamGate
from buddy.config import Settings, load_settings
from buddy.demo import load_demo_content, load_demo_knowledge
from buddy.deps import limit_api
from buddy.errors import install_error_handlers
from buddy.feedback.endpoints import router as feedback_router
from buddy.feedback.outbox import FeedbackOutbox
from buddy.feedback.targets import configured_targets
from buddy.health.endpoints import router as health_router
from buddy.middleware import BodySizeLimit, SecurityHeaders
from buddy.news.endpoints import router as news_router
from buddy.news.ingest import refresh_forever
from buddy.nuget.endpoints import router as nuget_router
from buddy.nuget.service import NuGetService
from buddy.observability import exporting, instrument_app, setup_tracing
from buddy.ratelimit import RateLimiter
from buddy.retrieval.embedders.factory import create_embedder
from buddy.retrieval.search import KnowledgeBase
from buddy.samples.endpoints import router as samples_router
from buddy.samples.gallery import SampleGallery
from buddy.storage.base import Storage
from buddy.storage.factory import create_storage
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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        storage = create_storage(settings)
        await storage.open()
        http = httpx.AsyncClient(timeout=httpx.Timeout(settings.feed_timeout_seconds))
        background: list[asyncio.Task[object]] = []
        mcp = None
        traces = contextlib.ExitStack()
        try:
            trace_targets = traces.enter_context(exporting(settings))
            app.state.storage, app.state.http = storage, http
            app.state.outbox = FeedbackOutbox(
                storage, configured_targets(settings, http), settings.feedback_forward_attempts
            )
            app.state.gallery = SampleGallery(storage.samples)
            app.state.nuget = NuGetService.from_settings(settings, http)
            app.state.kb = KnowledgeBase(storage, create_embedder(settings, http))
            mcp = await _open_chat(app, settings)
            background = await _start_background(app, settings, storage, http)
            log.info(
                "service_started",
                storage=storage.name,
                env=settings.environment.value,
                traces=",".join(trace_targets) or "none",
            )
            _freeze_startup_heap()
            yield
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await http.aclose()
            if mcp is not None:
                with contextlib.suppress(Exception):
                    await mcp.cleanup()  # type: ignore[no-untyped-call]
            if getattr(app.state, "llm", None) is not None:
                await app.state.llm.close()
            traces.close()  # flush queued spans before the process may exit
            await storage.close()
            log.info("service_stopped")

    app = FastAPI(
        title="C# AI Buddy",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
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
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "X-Magic-Key"],
    )
    app.state.limiter = RateLimiter(settings)
    app.state.stream_gate = StreamGate(settings.max_open_streams)
    app.include_router(health_router)
    app.include_router(chat_router)  # counts against BUDDY_RATE_LIMIT_CHAT itself
    limited = [Depends(limit_api)]
    for router in (
        feedback_router,
        telemetry_router,
        news_router,
        samples_router,
        nuget_router,
        web_router,
    ):
        app.include_router(router, dependencies=limited)
    app.mount("/static", web_assets(), name="static")
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


async def _open_chat(app: FastAPI, settings: Settings) -> MCPServerStreamableHttp | None:
    """The model client, the MCP connection and the agent; none of them when offline."""
    offline = settings.chat_provider == "offline"
    app.state.llm = None if offline else create_llm_client(settings)
    mcp, app.state.mcp_note = (None, "")
    if not offline and settings.mcp_url:
        mcp, app.state.mcp_note = await connect_mcp(settings.mcp_url)
    app.state.agent = None if offline else build_agent(settings, app.state.llm, mcp)
    return mcp


async def _start_background(
    app: FastAPI, settings: Settings, storage: Storage, http: httpx.AsyncClient
) -> list[asyncio.Task[object]]:
    """First-start demo content, then the jobs that run beside the server."""
    jobs: list[Coroutine[Any, Any, object]] = []
    if settings.demo_content:
        await load_demo_content(storage)
        # Embedding the demo articles takes seconds; serve meanwhile.
        cache = settings.data_dir / "cache"
        jobs.append(_logged(load_demo_knowledge(storage, app.state.kb.embedder, cache), "demo"))
    if app.state.outbox.enabled:
        jobs.append(_logged(app.state.outbox.run_forever(), "feedback_outbox"))
    if settings.feeds and settings.feed_refresh_minutes:
        refresher = refresh_forever(
            storage, http, settings.feeds, settings.feed_refresh_minutes, settings.feed_max_bytes
        )
        jobs.append(_logged(refresher, "feed_refresher"))
    return [asyncio.create_task(job) for job in jobs]


async def _logged(work: Coroutine[Any, Any, object], name: str) -> object:
    """Run a background job; a failure is logged (never lost, never fatal to the server)."""
    try:
        return await work
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.error("background_job_failed", job=name, error_type=type(exc).__name__, exc_info=exc)
        return None
