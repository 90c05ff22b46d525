"""The model-backed answerer: one OpenAI Agents SDK agent whose tools search our content."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import openai
import structlog
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    RunConfig,
    RunContextWrapper,
    Runner,
    WebSearchTool,
    function_tool,
)
from agents.exceptions import AgentsException, ModelBehaviorError, UserError
from agents.mcp import MCPServerStreamableHttp
from openai.types.responses import ResponseTextDeltaEvent

from buddy.chat.llm_client import create_llm_client
from buddy.chat.prompts import instructions
from buddy.chat.schemas import ChatFilters, ChatRequest, HistoryTurn
from buddy.chat.stream import Event, citation, content, tool_call, tool_output
from buddy.config import Settings
from buddy.errors import BuddyError
from buddy.news import service as news_service
from buddy.nuget.service import NuGetService
from buddy.nuget.text import package_text, search_text
from buddy.observability import current_trace_id
from buddy.retrieval.search import KnowledgeBase
from buddy.samples.gallery import SampleGallery
from buddy.storage.base import Storage

log = structlog.get_logger(__name__)
_CHARS_PER_TOKEN = 4
_MAX_TURNS = 6


class ModelError(BuddyError):
    status_code = 502
    code = "model_error"


@dataclass
class _Sources:
    """What the tools returned, so the answer's citations can be sent as lines."""

    found: dict[str, tuple[str, str]] = field(default_factory=dict)  # url -> (title, kind)

    def add(self, url: str, title: str, kind: str) -> None:
        if url:
            self.found.setdefault(url, (title, kind))


@dataclass(frozen=True)
class AgentServices:
    storage: Storage
    kb: KnowledgeBase
    gallery: SampleGallery
    nuget: NuGetService
    agent: Agent[ChatContext] | None = None  # one per app (None when the provider is offline)
    mcp_note: str = ""  # why the MCP tools are missing, told to the user in a tool output


async def connect_mcp(
    url: str, wait_seconds: float = 8.0
) -> tuple[MCPServerStreamableHttp | None, str]:
    """Connect to the MCP server once, in the app's lifespan task (its transport lives there).

    Returns the server, or None and a sentence for the stream when it cannot be reached.
    """
    server = MCPServerStreamableHttp(
        params={"url": url, "timeout": wait_seconds},
        name="microsoft_learn",
        cache_tools_list=True,
        client_session_timeout_seconds=30,
    )
    try:
        # The SDK leaves these two untyped.
        await asyncio.wait_for(server.connect(), wait_seconds)  # type: ignore[no-untyped-call]
        await asyncio.wait_for(server.list_tools(), wait_seconds)
    except Exception as exc:
        log.warning("mcp_unreachable", url=url, error_type=type(exc).__name__)
        with contextlib.suppress(Exception):
            await server.cleanup()  # type: ignore[no-untyped-call]
        return None, "Microsoft Learn (MCP) is unreachable, so this answer does not use it."
    log.info("mcp_connected", url=url)
    return server, ""


@dataclass
class ChatContext:
    """Per-request state the shared agent's tools and instructions read."""

    services: AgentServices
    filters: ChatFilters
    tags: list[str]
    sources: _Sources = field(default_factory=_Sources)


@function_tool(failure_error_function=None)  # a failing tool ends the answer
async def search_knowledge_base(ctx: RunContextWrapper[ChatContext], query: str) -> str:
    """Search .NET AI documentation; returns titled passages with their URLs."""
    kb, tags = ctx.context.services.kb, ctx.context.tags
    hits = await kb.search(query, k=5, tags=tags)
    if tags and not hits:
        hits = await kb.search(query, k=5)
    for hit in hits:
        ctx.context.sources.add(hit.url, hit.title, "docs")
    passages = [
        f"## {h.title} — {h.heading}\nURL: {h.url or h.source_path}\n{h.text[:1800]}" for h in hits
    ]
    return "\n\n".join(passages) or "No passages found."


@function_tool(failure_error_function=None)
async def search_samples(ctx: RunContextWrapper[ChatContext], query: str) -> str:
    """Find .NET AI sample projects; returns titles, descriptions and repository URLs."""
    found = await ctx.context.services.gallery.best_matches(query, limit=5)
    for sample in found:
        ctx.context.sources.add(sample.source, sample.title, "sample")
    lines = [f"- {s.title} ({s.source}): {s.description} Tags: {', '.join(s.tags)}" for s in found]
    return "\n".join(lines) or "No samples found."


@function_tool(failure_error_function=None)
async def search_news(ctx: RunContextWrapper[ChatContext], query: str) -> str:
    """Find recent .NET AI news; returns dated items with links."""
    items = await news_service.search_news(ctx.context.services.storage, query, limit=5)
    for item in items:
        ctx.context.sources.add(item.url, item.title, "news")
    lines = [f"- {i.published.date().isoformat()} {i.title} ({i.url}): {i.summary}" for i in items]
    return "\n".join(lines) or "No news found."


@function_tool(failure_error_function=None)
async def search_nuget(ctx: RunContextWrapper[ChatContext], query: str) -> str:
    """Search NuGet for .NET packages; returns ids, latest stable versions, downloads, whether
    the package is verified, and each package's URL."""
    try:
        results = await ctx.context.services.nuget.search(query, take=8)
    except BuddyError as exc:  # the answer goes on without NuGet, and says why
        return f"NuGet search failed: {exc.detail}"
    for package in results.packages:
        ctx.context.sources.add(package.url, f"{package.id} {package.version}", "nuget")
    return search_text(results)


@function_tool(failure_error_function=None)
async def get_nuget_package(
    ctx: RunContextWrapper[ChatContext], id: str, version: str | None = None
) -> str:
    """One NuGet package: its versions (listed, deprecated, vulnerable), dependencies per target
    framework, license, README and the `dotnet add package` line. Omit version for the newest
    stable one."""
    try:
        package = await ctx.context.services.nuget.package(id, version or None)
    except BuddyError as exc:
        return f"NuGet lookup failed: {exc.detail}"
    ctx.context.sources.add(package.url, f"{package.id} {package.version}", "nuget")
    return package_text(package)


def _instructions(ctx: RunContextWrapper[ChatContext], agent: Agent[ChatContext]) -> str:
    return instructions(ctx.context.filters)


def build_agent(
    settings: Settings, client: openai.AsyncOpenAI, mcp: MCPServerStreamableHttp | None = None
) -> Agent[ChatContext]:
    """One agent per app: tools and model are built once, per-request state is the context."""
    tools: list[Any] = [
        search_knowledge_base,
        search_samples,
        search_news,
        search_nuget,
        get_nuget_package,
    ]
    if settings.chat_provider == "openai":
        tools.append(WebSearchTool())  # hosted search exists only on the Responses API
    return Agent[ChatContext](
        name="C# AI Buddy",
        instructions=_instructions,
        tools=tools,
        mcp_servers=[mcp] if mcp is not None else [],
        model=_model(settings, client),
        model_settings=ModelSettings(include_usage=True),
    )


def history_messages(history: Sequence[HistoryTurn], budget_tokens: int) -> list[dict[str, str]]:
    """Real user/assistant turns, oldest dropped first to fit the token budget."""
    kept: list[dict[str, str]] = []
    remaining = budget_tokens * _CHARS_PER_TOKEN
    for turn in reversed(history):
        if len(turn.content) > remaining:
            break
        remaining -= len(turn.content)
        kept.insert(0, {"role": turn.role, "content": turn.content})
    return kept


def _model(settings: Settings, client: openai.AsyncOpenAI) -> Any:
    if settings.chat_provider == "openai":
        return OpenAIResponsesModel(settings.chat_model, client)
    return OpenAIChatCompletionsModel(settings.chat_model, client)


def _run_error(exc: Exception, names: dict[str, str]) -> BuddyError:
    """What went wrong, told without internals; tool failures are logged with their cause."""
    text = str(exc)
    trace_id = current_trace_id()
    if isinstance(exc, ModelBehaviorError) and text.startswith("Invalid JSON input for tool"):
        log.warning("tool_arguments_invalid", tools=sorted(set(names.values())), trace_id=trace_id)
        return ModelError(
            "The model called a tool with arguments that are not valid JSON.",
            code="tool_arguments_invalid",
        )
    if isinstance(exc, UserError) and text.startswith("Error running tool"):
        cause = exc.__cause__
        if isinstance(cause, BuddyError):  # our own errors are written for people
            log.warning("tool_failed", code=cause.code, trace_id=trace_id)
            return cause
        log.error("tool_failed", error_type=type(cause).__name__, trace_id=trace_id, exc_info=cause)
        return ModelError("A tool failed while preparing the answer.", code="tool_failed")
    return _model_error(exc)


def _model_error(exc: Exception) -> ModelError:
    if isinstance(exc, openai.RateLimitError):
        return ModelError("The model is busy (rate limited); try again shortly.", code="model_busy")
    if isinstance(exc, openai.APITimeoutError):
        return ModelError("The model took too long to answer.", code="model_timeout")
    if isinstance(exc, openai.APIConnectionError):
        return ModelError("The model server could not be reached.", code="model_unreachable")
    if isinstance(exc, openai.APIStatusError):
        return ModelError(f"The model server answered HTTP {exc.status_code}.", code="model_error")
    return ModelError("The model returned something we could not use.", code="model_error")


async def _with_stall_guard(events: AsyncIterator[Any], seconds: float) -> AsyncIterator[Any]:
    iterator = events.__aiter__()
    while True:
        try:
            # asyncio.timeout, not wait_for: no task per event. A stall ends the answer, so
            # cancelling the wait is what should happen anyway.
            async with asyncio.timeout(seconds):
                event = await iterator.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise ModelError(
                "The model stopped sending the answer.", code="model_stalled"
            ) from None
        yield event


async def agent_answer(
    settings: Settings,
    services: AgentServices,
    request: ChatRequest,
    question: str,
    tags: list[str],
) -> AsyncGenerator[Event, None]:
    """Run the agent and translate its stream into chat events."""
    agent = services.agent or build_agent(settings, create_llm_client(settings))
    context = ChatContext(services, request.filters, tags)
    sources = context.sources
    turns: list[Any] = [
        *history_messages(request.history, settings.history_token_budget),
        {"role": "user", "content": question},
    ]
    result = Runner.run_streamed(
        agent,
        input=turns,
        context=context,
        max_turns=_MAX_TURNS,
        run_config=RunConfig(workflow_name="chat"),
    )
    names: dict[str, str] = {}
    answer: list[str] = []
    if services.mcp_note:
        yield tool_output("microsoft_learn", services.mcp_note)
    try:
        async for event in _with_stall_guard(result.stream_events(), settings.llm_stall_seconds):
            for line in _translate(event, names, answer):
                yield line
    except (openai.OpenAIError, AgentsException) as exc:
        raise _run_error(exc, names) from None
    finally:
        result.cancel()
    usage = result.context_wrapper.usage
    yield {
        "type": "usage",
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
    }
    text = "".join(answer)
    for url, (title, kind) in sources.found.items():
        if url in text:
            yield citation(title, url, kind)


def _translate(event: Any, names: dict[str, str], answer: list[str]) -> list[Event]:
    if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
        answer.append(event.data.delta)
        return [content(event.data.delta)]
    if event.type != "run_item_stream_event":
        return []
    raw = event.item.raw_item
    if event.name == "tool_called":
        name = getattr(raw, "name", "tool")
        names[getattr(raw, "call_id", "")] = name
        try:
            args = json.loads(getattr(raw, "arguments", "") or "{}")
        except json.JSONDecodeError:
            args = {"raw": str(getattr(raw, "arguments", ""))[:500]}
        return [tool_call(name, args if isinstance(args, dict) else {"value": args})]
    if event.name == "tool_output":
        call_id = raw.get("call_id", "") if isinstance(raw, dict) else getattr(raw, "call_id", "")
        output = str(event.item.output)
        return [tool_output(names.get(call_id, "tool"), output[:2000])]
    return []
