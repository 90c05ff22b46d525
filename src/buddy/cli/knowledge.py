"""`buddy search` and `buddy reindex`: query the knowledge base, and re-embed it after the
embedder changed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from buddy.cli.command import with_services
from buddy.cli.output import emit, progress_bar, show

if TYPE_CHECKING:
    from buddy.retrieval.search import SearchHit
    from buddy.services import Services


def _hit_json(hit: SearchHit) -> dict[str, object]:
    return {
        "title": hit.title,
        "url": hit.url,
        "source_path": hit.source_path,
        "heading": hit.heading,
        "score": hit.score,
        "snippet": hit.snippet,
        "language": hit.language,
        "tags": list(hit.tags),
    }


def search_command(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many pages.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Required tag (repeat).")] = None,
) -> None:
    """Search the knowledge base (hybrid: vectors + keywords), best first."""

    async def work(services: Services) -> list[SearchHit]:
        return await services.kb.search(query, k=k, tags=tag or ())

    hits = with_services(work)
    if as_json:
        emit(json.dumps([_hit_json(hit) for hit in hits], ensure_ascii=False, indent=2))
        return
    table = Table("score", "page", "section", title=f"{len(hits)} results")
    for hit in hits:
        page = f"{hit.title}\n{hit.url or hit.source_path}"
        table.add_row(f"{hit.score:.3f}", escape(page), escape(hit.heading))
    show(table)


def reindex_command() -> None:
    """Re-embed every stored chunk with the configured embedder (after changing it)."""
    from buddy.retrieval.ingest import reindex  # noqa: PLC0415 - keeps --help fast

    async def work(services: Services) -> int:
        with progress_bar() as bar:
            task = bar.add_task("pages", total=None)
            return await reindex(
                services.storage, services.kb.embedder, lambda _: bar.advance(task)
            )

    pages = with_services(work)
    show(f"reindexed {pages} pages")
