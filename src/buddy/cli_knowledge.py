"""`buddy ingest docs`, `buddy search`, `buddy eval retrieval` and `buddy reindex`."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from buddy.cli_content import ingest_app
from buddy.cli_support import err, fail, out, run_async, settings_for_command
from buddy.retrieval.eval import EvalResult, evaluate, load_eval
from buddy.retrieval.ingest import DocsReport, ingest_docs, reindex
from buddy.retrieval.knowledge import open_knowledge
from buddy.retrieval.search import SearchHit
from buddy.retrieval.sources import resolve_source

eval_app = typer.Typer(help="Measure quality.", no_args_is_help=True)


def _progress(label: str) -> Progress:
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@ingest_app.command("docs")
def ingest_docs_command(
    source: Annotated[str, typer.Argument(help="Folder, file, or git repository URL.")],
    base_url: Annotated[
        str | None, typer.Option(help="Public URL prefix for the pages of SOURCE.")
    ] = None,
    prune: Annotated[bool, typer.Option(help="Remove stored pages that are gone.")] = False,
) -> None:
    """Ingest documentation (Markdown, DocFX Markdown, HTML) into the knowledge base."""
    settings = settings_for_command()

    async def work() -> DocsReport:
        async with open_knowledge(settings) as context:
            cache = settings.data_dir / "cache"
            tree = await asyncio.to_thread(resolve_source, source, cache, base_url)
            with _progress("pages") as progress:
                task = progress.add_task("pages", total=len(tree.files))
                return await ingest_docs(
                    context.storage,
                    context.kb.embedder,
                    tree,
                    prune=prune,
                    on_page=lambda _: progress.advance(task),
                )

    report = run_async(work)
    for path, reason in report.failed:
        out.print(f"[red]failed[/] {escape(path)}: {escape(reason)}", highlight=False)
    out.print(
        f"pages: {report.new} new, {report.changed} changed, {report.unchanged} unchanged, "
        f"{len(report.failed)} failed, {report.removed} removed; {report.chunks} chunks written "
        f"in {report.seconds:.1f} s",
        highlight=False,
    )
    if report.failed and not (report.new or report.changed or report.unchanged):
        raise fail("no page could be ingested")


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
    settings = settings_for_command()

    async def work() -> list[SearchHit]:
        async with open_knowledge(settings) as context:
            return await context.kb.search(query, k=k, tags=tag or ())

    hits = run_async(work)
    if as_json:
        print(json.dumps([_hit_json(hit) for hit in hits], ensure_ascii=False, indent=2))
        return
    table = Table("score", "page", "section", title=f"{len(hits)} results")
    for hit in hits:
        table.add_row(f"{hit.score:.3f}", f"{hit.title}\n{hit.url or hit.source_path}", hit.heading)
    out.print(table)


@eval_app.command("retrieval")
def eval_retrieval_command(
    file: Annotated[Path, typer.Argument(help="JSONL rows {question, relevant:[...], kind?}.")],
    k: Annotated[int, typer.Option("--k", min=1, max=10)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Recall@5, recall@10 and MRR@10 of the knowledge base on a question set."""
    settings = settings_for_command()

    async def work() -> EvalResult:
        rows = load_eval(file)
        async with open_knowledge(settings) as context:
            return await evaluate(context.kb, rows, k)

    result = run_async(work)
    if as_json:
        print(json.dumps(asdict(result), indent=2))
        return
    at_k = f"recall@{result.k} {result.recall_at_k:.3f}  " if result.k not in (5, 10) else ""
    out.print(
        f"{result.questions} questions ({result.out_of_scope} out of scope skipped): {at_k}"
        f"recall@5 {result.recall_5:.3f}  recall@10 {result.recall_10:.3f}  "
        f"MRR@10 {result.mrr_10:.3f}",
        highlight=False,
    )
    table = Table("kind", "questions", "recall@5", "recall@10", "MRR@10")
    for name, scores in sorted(result.per_kind.items()):
        table.add_row(
            name,
            str(scores.questions),
            f"{scores.recall_5:.3f}",
            f"{scores.recall_10:.3f}",
            f"{scores.mrr_10:.3f}",
        )
    out.print(table)
    for miss in result.misses:
        out.print(f"[yellow]miss[/] {miss.question}\n  wanted {miss.relevant}\n  got {miss.found}")


def reindex_command() -> None:
    """Re-embed every stored chunk with the configured embedder (after changing it)."""
    settings = settings_for_command()

    async def work() -> int:
        async with open_knowledge(settings) as context:
            with _progress("pages") as progress:
                task = progress.add_task("pages", total=None)
                return await reindex(
                    context.storage, context.kb.embedder, lambda _: progress.advance(task)
                )

    pages = run_async(work)
    out.print(f"reindexed {pages} pages", highlight=False)
