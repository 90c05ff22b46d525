"""The model-backed answerer: one OpenAI Agents SDK agent whose tools search our content."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
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
)
from agents.exceptions import AgentsException, ModelBehaviorError, UserError
from agents.mcp import MCPServerStreamableHttp

from buddy.chat.prompts import instructions
from buddy.chat.schemas import ChatRequest, HistoryTurn
from buddy.chat.stream import Event, citation, tool_output, usage
from buddy.chat.tools import TOOLS, ChatContext
from buddy.chat.translate import EventTranslator
from buddy.config import Settings
from buddy.errors import BuddyError
from buddy.observability import current_trace_id

log = structlog.get_logger(__name__)
_CHARS_PER_TOKEN = 4
_MAX_TURNS = 6


class ModelError(BuddyError):
    status_code = 502
    code = "model_error"


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


def _instructions(ctx: RunContextWrapper[ChatContext], agent: Agent[ChatContext]) -> str:
    return instructions(ctx.context.filters)


def build_agent(
    settings: Settings, client: openai.AsyncOpenAI, mcp: MCPServerStreamableHttp | None = None
) -> Agent[ChatContext]:
    """One agent per app: tools and model are built once, per-request state is the context."""
    tools = list(TOOLS)
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
    agent: Agent[ChatContext],
    context: ChatContext,
    request: ChatRequest,
    question: str,
    *,
    settings: Settings,
    mcp_note: str = "",
) -> AsyncGenerator[Event, None]:
    """Run the agent and translate its stream into chat events."""
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
    translator = EventTranslator()
    if mcp_note:
        yield tool_output("microsoft_learn", mcp_note)
    try:
        async for event in _with_stall_guard(result.stream_events(), settings.llm_stall_seconds):
            for line in translator.translate(event):
                yield line
    except (openai.OpenAIError, AgentsException) as exc:
        raise _run_error(exc, translator.tool_names) from None
    finally:
        result.cancel()
    spent = result.context_wrapper.usage
    yield usage(spent.input_tokens, spent.output_tokens)
    text = translator.answer
    for url, (title, kind) in context.sources.found.items():
        if url in text:
            yield citation(title, url, kind)
