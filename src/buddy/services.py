"""The services graph: everything the assistant runs on, opened and closed in one place.

The web app, every CLI command that needs more than settings, the MCP server and the answer
eval all enter `open_services`; nothing else creates a store, an HTTP client or a model client.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import structlog

from buddy.chat.guards import StreamGate
from buddy.config import Settings
from buddy.demo import load_demo_content, load_demo_knowledge
from buddy.feedback.outbox import FeedbackOutbox
from buddy.feedback.targets import configured_targets
from buddy.news.ingest import refresh_forever
from buddy.nuget.service import NuGetService
from buddy.observability import exporting
from buddy.ratelimit import RateLimiter
from buddy.retrieval.embedders.base import CachedEmbedder, Embedder
from buddy.retrieval.embedders.factory import create_embedder
from buddy.retrieval.search import KnowledgeBase
from buddy.samples.gallery import SampleGallery
from buddy.storage.base import Storage
from buddy.storage.factory import create_storage

if TYPE_CHECKING:
    import openai
    from agents import Agent
    from agents.mcp import MCPServerStreamableHttp

    from buddy.chat.tools import ChatContext

log = structlog.get_logger(__name__)
# Insights' question wordings kept between refreshes: 384 float32 a row, about 15 MB.
QUESTION_VECTORS = 10_000


@dataclasses.dataclass(frozen=True)
class Services:
    """One process's services. The chat half (model client, agent, MCP) is None offline or
    when the graph was opened without it."""

    settings: Settings
    storage: Storage
    http: httpx.AsyncClient
    kb: KnowledgeBase
    gallery: SampleGallery
    nuget: NuGetService
    outbox: FeedbackOutbox
    limiter: RateLimiter
    stream_gate: StreamGate
    # The insights' question vectors, kept between refreshes: only new wordings are embedded.
    question_vectors: Embedder
    llm: openai.AsyncOpenAI | None = None
    agent: Agent[ChatContext] | None = None
    mcp: MCPServerStreamableHttp | None = None
    mcp_note: str = ""  # why the MCP tools are missing, told to the user in a tool output
    trace_targets: tuple[str, ...] = ()


@asynccontextmanager
async def open_services(settings: Settings, *, chat: bool = False) -> AsyncIterator[Services]:
    """Open the store, the clients and the knowledge base; with `chat`, also the model client,
    the MCP connection and the agent, and export traces. Closed in reverse order on exit."""
    async with contextlib.AsyncExitStack() as stack:
        storage = create_storage(settings)
        await storage.open()
        stack.push_async_callback(storage.close)
        # Entered after the store, so queued spans are flushed before the store closes.
        targets = stack.enter_context(exporting(settings)) if chat else []
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=httpx.Timeout(settings.feed_timeout_seconds))
        )
        embedder = create_embedder(settings, http)
        services = Services(
            settings=settings,
            storage=storage,
            http=http,
            kb=KnowledgeBase(storage, embedder),
            gallery=SampleGallery(storage.samples),
            nuget=NuGetService.from_settings(settings, http),
            outbox=FeedbackOutbox(
                storage, configured_targets(settings, http), settings.feedback_forward_attempts
            ),
            limiter=RateLimiter(settings),
            stream_gate=StreamGate(settings.max_open_streams),
            question_vectors=CachedEmbedder(embedder, QUESTION_VECTORS, batches=True),
            trace_targets=tuple(targets),
        )
        if chat and settings.chat_provider != "offline":
            services = await _with_chat(services, stack)
        yield services


async def _with_chat(services: Services, stack: contextlib.AsyncExitStack) -> Services:
    """The model client, the MCP connection and the one agent that uses both."""
    # The Agents SDK and openai take over a second to import; a graph without chat (most
    # `buddy` commands) never loads them.
    from buddy.chat.agent import build_agent, connect_mcp  # noqa: PLC0415
    from buddy.chat.llm_client import create_llm_client  # noqa: PLC0415

    settings = services.settings
    llm = create_llm_client(settings)
    stack.push_async_callback(llm.close)
    mcp, note = (None, "")
    if settings.mcp_url:
        mcp, note = await connect_mcp(settings.mcp_url)
    if mcp is not None:
        stack.push_async_callback(_disconnect, mcp)
    agent = build_agent(settings, llm, mcp)
    return dataclasses.replace(services, llm=llm, agent=agent, mcp=mcp, mcp_note=note)


async def _disconnect(mcp: MCPServerStreamableHttp) -> None:
    with contextlib.suppress(Exception):  # a server that went away cannot be closed politely
        await mcp.cleanup()  # type: ignore[no-untyped-call]


@asynccontextmanager
async def background_jobs(services: Services) -> AsyncIterator[None]:
    """First-start demo content, then the jobs that run beside a server: the demo knowledge
    base, the feedback outbox, the feed refresher and the knowledge-source schedule. Cancelled
    on exit."""
    settings, storage = services.settings, services.storage
    jobs: list[Coroutine[Any, Any, object]] = []
    if settings.demo_content:
        await load_demo_content(storage)
        # Embedding the demo articles takes seconds; serve meanwhile.
        cache = settings.data_dir / "cache"
        jobs.append(_logged(load_demo_knowledge(storage, services.kb.embedder, cache), "demo"))
    if services.outbox.enabled:
        jobs.append(_logged(services.outbox.run_forever(), "feedback_outbox"))
    if settings.feeds and settings.feed_refresh_minutes:
        refresher = refresh_forever(
            storage,
            services.http,
            settings.feeds,
            settings.feed_refresh_minutes,
            settings.feed_max_bytes,
        )
        jobs.append(_logged(refresher, "feed_refresher"))
    if settings.source_check_seconds:
        # Imported here: the sync code pulls in git and web fetching, which only a server needs.
        from buddy.sources.context import SyncContext  # noqa: PLC0415
        from buddy.sources.sync import sync_forever  # noqa: PLC0415

        context = SyncContext(storage, services.kb.embedder, settings, services.http)
        jobs.append(_logged(sync_forever(context), "source_sync"))
    tasks = [asyncio.create_task(job) for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _logged(work: Coroutine[Any, Any, object], name: str) -> object:
    """Run a background job; a failure is logged (never lost, never fatal to the server)."""
    try:
        return await work
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.error("background_job_failed", job=name, error_type=type(exc).__name__, exc_info=exc)
        return None
