"""Sitemap and website sources: pages fetched into a Markdown copy of the site, which is then
ingested like a folder, so unchanged pages cost a hash and pages that left the site leave the
store."""

from __future__ import annotations

import asyncio
import hashlib
import json
from contextlib import aclosing
from pathlib import Path
from urllib.parse import quote

from buddy.config import Settings
from buddy.retrieval.sources import DocSource
from buddy.sources.context import Progress, SyncContext, SyncReport, ingest_tree
from buddy.sources.web import (
    Fetched,
    FetchFailed,
    Gone,
    NotModified,
    Validator,
    WebRules,
    sitemap_pages,
    website_pages,
)
from buddy.storage.records import KnowledgeSource


def _mirror_name(relative: str) -> str:
    """Where a web page's Markdown is kept: its host and path as folders, a file name safe on
    any disk (long or odd segments are shortened with a hash), the query folded into it."""
    path, _, query = relative.partition("?")
    segments = [segment for segment in path.split("/") if segment not in {"", ".", ".."}]
    if path.endswith("/") or len(segments) < 2:
        segments.append("index")
    if query:
        segments[-1] += "_" + hashlib.sha256(query.encode()).hexdigest()[:10]
    safe = []
    for segment in segments:
        quoted = quote(segment, safe="-_.~@+=,")
        if len(quoted) > 120:
            quoted = quoted[:80] + "-" + hashlib.sha256(quoted.encode()).hexdigest()[:12]
        safe.append(quoted)
    return "/".join(safe) + ".md"


def _write_atomically(path: Path, text: str) -> None:
    """A page's copy is whole or absent, however a sync is stopped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _keep_only(mirror: Path, keep: set[Path]) -> list[Path]:
    """Delete the copies of pages the source no longer has; the pages left, in path order."""
    if mirror.is_dir():
        for path in mirror.rglob("*"):
            if path.is_file() and path not in keep:
                path.unlink()
    return sorted(path for path in keep if path.is_file())


def _existing(mirror: Path, validators: dict[str, Validator]) -> dict[str, Validator]:
    """Only a page whose copy is on disk may be answered "not modified"."""
    return {rel: v for rel, v in validators.items() if (mirror / _mirror_name(rel)).is_file()}


def _web_rules(settings: Settings, source: KnowledgeSource) -> WebRules:
    return WebRules(
        user_agent=settings.source_user_agent,
        include=source.include,
        exclude=source.exclude,
        per_host_concurrency=settings.source_host_concurrency,
        per_host_rate=settings.source_host_rate,
        timeout_s=settings.source_timeout_seconds,
        max_pages=source.max_pages,
        max_depth=source.max_depth,
    )


async def sync_web(
    ctx: SyncContext, source: KnowledgeSource, report: SyncReport, progress: Progress
) -> str:
    """Fetch what changed into a Markdown copy of the site, then ingest that copy like a
    folder: unchanged pages cost a hash, and pages that left the site leave the store."""
    # Absolute (the data dir may be relative), so every page lies under the tree's root.
    mirror = (ctx.cache / source.name / "pages").absolute()
    stored = {
        rel: Validator.from_json(data) for rel, data in json.loads(source.cursor or "{}").items()
    }
    known = await asyncio.to_thread(_existing, mirror, stored)
    read = sitemap_pages if source.kind == "sitemap" else website_pages
    validators: dict[str, Validator] = {}
    keep: set[Path] = set()
    progress.start("fetch", None)
    rules = _web_rules(ctx.settings, source)
    async with aclosing(read(ctx.http, source.location, known, rules, report.limits)) as events:
        async for event in events:
            progress.advance()
            copy = mirror / _mirror_name(event.relative)
            if isinstance(event, Fetched):
                await asyncio.to_thread(_write_atomically, copy, event.markdown)
                validators[event.relative] = event.validator
            elif isinstance(event, NotModified):
                validators[event.relative] = event.validator
            elif isinstance(event, FetchFailed):
                report.failed.append((event.url, event.reason))
                if event.relative in known:
                    validators[event.relative] = known[event.relative]
            if not isinstance(event, Gone):
                keep.add(copy)
    files = await asyncio.to_thread(_keep_only, mirror, keep)
    tree = DocSource(mirror, source.name, tuple(files), None, microsoft_learn=False)
    report.count(await ingest_tree(ctx, tree, prune=True, progress=progress, phase="pages"))
    return json.dumps({rel: v.to_json() for rel, v in sorted(validators.items())})
