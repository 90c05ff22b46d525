"""The MCP server: the tools, each indexed page as a resource, and one prompt.

Built around an open services graph, so the web app's `/mcp` and `buddy mcp` (stdio) serve the
same tools from the same store, clients and embedder."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.types import Resource

from buddy import __version__
from buddy.chat.tools import ToolServices
from buddy.mcp.tools import BuddyTools, docs_uri
from buddy.storage.records import Chunk

NAME = "csharp-ai-buddy"
INSTRUCTIONS = (
    "Grounded sources for C# and .NET AI development: search_docs searches an index of .NET AI "
    "documentation (read a whole page with its buddy://docs/... resource), search_nuget and "
    "get_nuget_package read live NuGet data, search_samples and search_news cover sample "
    "projects and recent releases. Cite the URLs the tools return."
)
PROMPT = """Answer this C# / .NET question with the tools of this server, and cite them.

Question: {question}

1. Call search_docs first; when a hit looks right but its passage is short, read the page \
through the hit's buddy://docs/... resource.
2. For every NuGet package you name, call get_nuget_package: give the version it reports and \
its `dotnet add package` line, and never suggest a version it marks deprecated or vulnerable.
3. Look for a matching project with search_samples, and for recent changes with search_news, \
when the question is about something new.
4. Write modern C# (top-level statements, file-scoped namespaces), short and complete.
5. Link every claim to the URL a tool returned, as [title](url). If the tools found nothing \
that answers the question, say that instead of guessing."""


class BuddyServer(MCPServer[None]):
    """An MCPServer whose resource list is the knowledge base's pages, read when asked, so
    pages ingested while the server runs are listed without a restart."""

    def __init__(self, services: ToolServices) -> None:
        super().__init__(NAME, instructions=INSTRUCTIONS, version=__version__)
        self._services = services

    async def list_resources(self) -> list[Resource]:
        pages = await self._services.storage.chunks.pages()
        listed = [
            Resource(
                uri=docs_uri(page.key),
                name=page.key,
                title=page.title,
                description=page.url or None,
                mime_type="text/markdown",
            )
            for page in pages
        ]
        return [*await super().list_resources(), *listed]


def build_server(services: ToolServices) -> BuddyServer:
    """The tools, the page resources and the prompt over one services graph."""
    server = BuddyServer(services)
    for tool in BuddyTools(services).all():
        server.add_tool(tool)

    @server.resource(
        docs_uri("{+key}"),
        name="doc_page",
        title="Documentation page",
        description="A whole indexed page as Markdown; search_docs hits name theirs.",
        mime_type="text/markdown",
    )
    async def doc_page(key: str) -> str:
        chunks = (await services.storage.chunks.chunks_of_pages([key])).get(key)
        if not chunks:
            raise ResourceNotFoundError(f"No indexed page is called '{key[:200]}'.")
        return page_markdown(chunks)

    @server.prompt(
        name="answer_with_sources",
        title="Answer with sources",
        description="Answer a C# question with this server's tools, citing their URLs.",
    )
    def answer_with_sources(question: str) -> str:
        return PROMPT.format(question=question)

    return server


def page_markdown(chunks: list[Chunk]) -> str:
    """A page from its chunks in reading order, each new heading once."""
    first = chunks[0]
    parts = [f"# {first.title}"]
    if first.url:
        parts.append(f"Source: {first.url}")
    heading = ""
    for chunk in chunks:
        if chunk.heading and chunk.heading != heading:
            heading = chunk.heading
            parts.append(f"## {heading}")
        parts.append(chunk.content)
    return "\n\n".join(parts)
