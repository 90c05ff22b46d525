"""The MCP tools: the same searches the chat agent runs, over the same services graph.

Arguments are validated by the SDK against each tool's JSON schema (a bad one is a tool error
naming the field); a failure the caller can act on (an unknown package, NuGet down) is a tool
error with our own sentence; each call is one OpenInference TOOL span."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from opentelemetry.trace import Span, StatusCode
from pydantic import BaseModel, Field

from buddy.chat.tools import ToolServices
from buddy.errors import BuddyError
from buddy.mcp import render
from buddy.mcp.schemas import DocHit, DocsResult, NewsResult, SamplesResult
from buddy.news import service as news_service
from buddy.news.schemas import NewsItemOut
from buddy.nuget import MAX_TAKE
from buddy.nuget.schemas import PackageDetails, SearchResults
from buddy.nuget.text import package_text, search_text
from buddy.nuget.versions import MAX_VERSION_CHARS
from buddy.observability import tracer
from buddy.samples.schemas import SampleOut
from buddy.taxonomy import Facet, facet_options, slug_for, tag_key

MAX_QUERY_CHARS = 1000  # a search, not a document: longer text is a caller's mistake
MAX_DOC_HITS = 20
PASSAGE_CHARS = 1800
SAMPLES_SHOWN = 5
NEWS_SHOWN = 5
_SPAN_TEXT_CHARS = 4000  # what a trace keeps of a tool's output

Query = Annotated[
    str,
    Field(min_length=1, max_length=MAX_QUERY_CHARS, description="What to search for."),
]


def docs_uri(page_key: str) -> str:
    """The MCP resource that reads a whole indexed page."""
    return f"buddy://docs/{page_key}"


class BuddyTools:
    """The five tools, bound to one services graph; each method is registered as one tool."""

    def __init__(self, services: ToolServices) -> None:
        self._services = services

    async def search_docs(
        self,
        query: Query,
        k: Annotated[int, Field(ge=1, le=MAX_DOC_HITS, description="Pages to return.")] = 5,
        library: Annotated[
            str | None,
            Field(
                max_length=100,
                description="Only pages about this library, e.g. 'Semantic Kernel' or "
                "'microsoft-extensions-ai'.",
            ),
        ] = None,
    ) -> Annotated[CallToolResult, DocsResult]:
        """Search the .NET AI documentation index (hybrid: meaning and keywords). Each hit has
        the page title, the section heading, the page URL, a passage, its score, and a
        buddy://docs/... resource that reads the whole page."""
        with tool_span("search_docs", query=query, k=k, library=library) as span:
            tags = [_library_tag(library)] if library else []
            hits = await self._services.kb.search(query, k=k, tags=tags)
            found = [
                DocHit(
                    title=hit.title,
                    heading=hit.heading,
                    url=hit.url,
                    resource=docs_uri(hit.page_key),
                    passage=hit.text[:PASSAGE_CHARS],
                    score=round(hit.score, 4),
                )
                for hit in hits
            ]
            result = DocsResult(query=query, library=library, hits=found)
            return _result(span, render.docs_markdown(result), result)

    async def search_nuget(
        self,
        query: Annotated[
            str, Field(max_length=200, description="Search terms, e.g. 'semantic kernel'.")
        ],
        take: Annotated[int, Field(ge=1, le=MAX_TAKE, description="Packages to return.")] = 10,
        prerelease: Annotated[bool, Field(description="Include pre-release versions.")] = False,
    ) -> Annotated[CallToolResult, SearchResults]:
        """Search NuGet for .NET packages: each with its id, latest version, description, total
        downloads, whether its owner is verified, and its nuget.org URL."""
        with tool_span("search_nuget", query=query, take=take, prerelease=prerelease) as span:
            results = await self._services.nuget.search(query, take=take, prerelease=prerelease)
            return _result(span, search_text(results), results)

    async def get_nuget_package(
        self,
        package_id: Annotated[
            str, Field(min_length=1, max_length=200, description="e.g. Microsoft.Extensions.AI")
        ],
        version: Annotated[
            str | None,
            Field(max_length=MAX_VERSION_CHARS, description="Default: newest listed stable."),
        ] = None,
    ) -> Annotated[CallToolResult, PackageDetails]:
        """One NuGet package version: all versions (deprecated, vulnerable, unlisted marked),
        deprecation, vulnerabilities, dependencies per target framework, license, README and the
        `dotnet add package` line."""
        with tool_span("get_nuget_package", package_id=package_id, version=version) as span:
            package = await self._services.nuget.package(package_id, version or None)
            return _result(span, package_text(package), package)

    async def search_samples(
        self,
        query: Query,
        tags: Annotated[
            list[Annotated[str, Field(max_length=60)]] | None,
            Field(max_length=10, description="Every tag must match, e.g. ['Semantic Kernel']."),
        ] = None,
    ) -> Annotated[CallToolResult, SamplesResult]:
        """Find .NET AI sample projects in the gallery: title, description, author, tags and
        the repository URL."""
        with tool_span("search_samples", query=query, tags=tags) as span:
            matches = await self._services.gallery.best_matches(query, limit=_ALL)
            # A label ('Semantic Kernel') and its slug ('semantic-kernel') name the same tag.
            wanted = {tag_key(tag) for tag in tags or ()}
            chosen = [s for s in matches if wanted <= {tag_key(tag) for tag in s.tags}]
            samples = [SampleOut.from_record(s) for s in chosen[:SAMPLES_SHOWN]]
            result = SamplesResult(query=query, tags=tags or [], samples=samples)
            return _result(span, render.samples_markdown(result), result)

    async def search_news(self, query: Query) -> Annotated[CallToolResult, NewsResult]:
        """Find recent .NET AI news (releases, announcements, posts), newest first among equally
        good matches: date, title, source, summary and link."""
        with tool_span("search_news", query=query) as span:
            items = await news_service.search_news(self._services.storage, query, NEWS_SHOWN)
            result = NewsResult(query=query, news=[NewsItemOut.from_record(i) for i in items])
            return _result(span, render.news_markdown(result), result)

    def all(self) -> Sequence[Any]:
        """Every tool, in the order a client lists them."""
        return (
            self.search_docs,
            self.search_nuget,
            self.get_nuget_package,
            self.search_samples,
            self.search_news,
        )


_ALL = 1_000_000  # every sample that matches a word; the tags then choose among them


def _library_tag(library: str) -> str:
    slug = slug_for(library, Facet.LIBRARY)
    if slug is None:
        known = ", ".join(tag.label for tag in facet_options(Facet.LIBRARY))
        raise ToolError(f"Unknown library '{library[:100]}'. Known libraries: {known}.")
    return slug


def _result(span: Span, text: str, structured: BaseModel) -> CallToolResult:
    span.set_attribute("output.value", text[:_SPAN_TEXT_CHARS])
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=structured.model_dump(mode="json"),
    )


@contextmanager
def tool_span(name: str, **arguments: object) -> Iterator[Span]:
    """One OpenInference TOOL span per call; a BuddyError becomes a tool error in our words."""
    attributes = {
        "openinference.span.kind": "TOOL",
        "tool.name": name,
        "input.value": json.dumps(arguments, default=str)[:_SPAN_TEXT_CHARS],
        "input.mime_type": "application/json",
    }
    with tracer().start_as_current_span(f"mcp.{name}", attributes=attributes) as span:
        try:
            yield span
        except BuddyError as exc:
            span.set_status(StatusCode.ERROR, exc.code)
            raise ToolError(exc.detail) from exc
