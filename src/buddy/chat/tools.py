"""The tools the agent calls: searches over our knowledge base, samples, news and NuGet.

Each tool reads the services through `ChatContext` and records what it found, so the answer's
citations can name only sources a tool really returned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from agents import RunContextWrapper, function_tool

from buddy.chat.schemas import ChatFilters
from buddy.errors import BuddyError
from buddy.metrics.registry import SEARCH_TOP_SIMILARITY
from buddy.news import service as news_service
from buddy.nuget.service import NuGetService
from buddy.nuget.text import package_text, search_text
from buddy.retrieval.search import KnowledgeBase
from buddy.samples.gallery import SampleGallery
from buddy.samples.schemas import SampleOut
from buddy.storage.base import Storage

_PASSAGE_CHARS = 1800
# How a tool that went on without its source says so: the answer continues, and the metrics
# count the call as failed.
_NUGET_SEARCH_FAILED = "NuGet search failed: "
_NUGET_LOOKUP_FAILED = "NuGet lookup failed: "


def tool_failed(output: str) -> bool:
    """Whether a tool's output says its source failed rather than giving a result."""
    return output.startswith((_NUGET_SEARCH_FAILED, _NUGET_LOOKUP_FAILED))


class ToolServices(Protocol):
    """What the tools read; the services graph is one."""

    @property
    def storage(self) -> Storage: ...
    @property
    def kb(self) -> KnowledgeBase: ...
    @property
    def gallery(self) -> SampleGallery: ...
    @property
    def nuget(self) -> NuGetService: ...


@dataclass
class FoundSources:
    """What the tools returned, so the answer's citations can be sent as lines."""

    found: dict[str, tuple[str, str]] = field(default_factory=dict)  # url -> (title, kind)

    def add(self, url: str, title: str, kind: str) -> None:
        if url:
            self.found.setdefault(url, (title, kind))


@dataclass
class ChatContext:
    """Per-request state the shared agent's tools and instructions read."""

    services: ToolServices
    filters: ChatFilters
    tags: list[str]
    sources: FoundSources = field(default_factory=FoundSources)


@function_tool(failure_error_function=None)  # a failing tool ends the answer
async def search_knowledge_base(ctx: RunContextWrapper[ChatContext], query: str) -> str:
    """Search .NET AI documentation; returns titled passages with their URLs."""
    hits = await ctx.context.services.kb.search_or_widen(query, 5, ctx.context.tags)
    if hits:
        SEARCH_TOP_SIMILARITY.observe(hits[0].similarity)
    for hit in hits:
        ctx.context.sources.add(hit.url, hit.title, "docs")
    passages = [
        f"## {h.title} — {h.heading}\nURL: {h.url or h.source_path}\n{h.text[:_PASSAGE_CHARS]}"
        for h in hits
    ]
    return "\n\n".join(passages) or "No passages found."


@function_tool(failure_error_function=None)
async def search_samples(ctx: RunContextWrapper[ChatContext], query: str) -> str:
    """Find .NET AI sample projects; returns titles, descriptions and repository URLs."""
    found = await ctx.context.services.gallery.best_matches(query, limit=5)
    for sample in found:
        ctx.context.sources.add(sample.source, sample.title, "sample")
    shown = [SampleOut.from_record(sample) for sample in found]  # tags as their labels
    lines = [f"- {s.title} ({s.source}): {s.description} Tags: {', '.join(s.tags)}" for s in shown]
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
        return _NUGET_SEARCH_FAILED + exc.detail
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
        return _NUGET_LOOKUP_FAILED + exc.detail
    ctx.context.sources.add(package.url, f"{package.id} {package.version}", "nuget")
    return package_text(package)


# The agent's own tools, in the order the instructions introduce them.
TOOLS: list[Any] = [
    search_knowledge_base,
    search_samples,
    search_news,
    search_nuget,
    get_nuget_package,
]
