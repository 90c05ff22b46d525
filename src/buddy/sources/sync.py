"""Syncing a registered source: only what changed is fetched, parsed and embedded, pages that
left the source are removed, and the outcome is kept on the source for `sources list` and
/health.

A sync can be killed at any moment: each page is replaced in one transaction, the cursor (the
commit or the validators a sync starts from) is stored only after every page is in, so the
next sync redoes the unfinished part and finds the finished pages unchanged by their hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import quote

import httpx
import structlog
from pathspec import PathSpec

from buddy.config import Settings
from buddy.errors import BuddyError
from buddy.retrieval.embedders.base import Embedder
from buddy.retrieval.ingest import DocsReport, ingest_docs
from buddy.retrieval.sources import DocSource, SourceError, is_page, looks_like_microsoft_docs, walk
from buddy.sources import git
from buddy.sources.status import is_due
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
from buddy.storage.base import Storage
from buddy.storage.records import KnowledgeSource, SyncOutcome

log = structlog.get_logger(__name__)
_KEPT_FAILURES = 50


def new_holder() -> str:
    """A lease holder's name: the host and pid tell an operator which instance holds it."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SourceBusyError(BuddyError):
    status_code = 409
    code = "source_busy"


@dataclass
class SyncReport:
    name: str
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""  # the whole source failed (unreachable, git error); its pages stay
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        return (
            f"{self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
        )

    def count(self, docs: DocsReport) -> None:
        self.added += docs.new
        self.changed += docs.changed
        self.unchanged += docs.unchanged
        self.removed += docs.removed
        self.failed.extend(docs.failed)


class Progress(Protocol):
    """Where a sync is, for a progress bar: `start` a phase with its size, `advance` in it."""

    def start(self, phase: str, total: int | None) -> None:
        """A new phase begins; `total` is None when its size is not known yet."""

    def advance(self) -> None:
        """One item of the phase is done."""


class _Quiet:
    """No progress display (the scheduled syncs of a running service)."""

    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass(frozen=True)
class SyncContext:
    storage: Storage
    embedder: Embedder
    settings: Settings
    http: httpx.AsyncClient
    holder: str = field(default_factory=new_holder)

    @property
    def cache(self) -> Path:
        return self.settings.data_dir / "cache" / "sources"


def _filter(source: KnowledgeSource) -> Callable[[str], bool]:
    """The source's --include / --exclude rules (gitignore-style globs) over a page path."""
    include = PathSpec.from_lines("gitignore", source.include) if source.include else None
    exclude = PathSpec.from_lines("gitignore", source.exclude)

    def wanted(relative: str) -> bool:
        if include is not None and not include.match_file(relative):
            return False
        return not exclude.match_file(relative)

    return wanted


def _tree(source: KnowledgeSource, top: Path, files: Sequence[Path]) -> DocSource:
    root = (top / source.root).resolve() if source.root else top.resolve()
    return DocSource(
        root=root,
        name=source.name,
        files=tuple(files),
        base_url=source.base_url or None,
        microsoft_learn=looks_like_microsoft_docs(top, source.location),
    )


def _pages_of(source: KnowledgeSource, root: Path) -> list[Path]:
    root = root.resolve()
    if not root.is_dir():
        raise SourceError(f"{root} is not a folder (any more)")
    wanted = _filter(source)
    return [path for path in walk(root) if wanted(path.relative_to(root).as_posix())]


async def _ingest(
    ctx: SyncContext, tree: DocSource, *, prune: bool, progress: Progress, phase: str
) -> DocsReport:
    progress.start(phase, len(tree.files))
    return await ingest_docs(
        ctx.storage, ctx.embedder, tree, prune=prune, on_page=lambda _: progress.advance()
    )


async def _sync_folder(
    ctx: SyncContext, source: KnowledgeSource, report: SyncReport, progress: Progress
) -> str:
    top = Path(source.location)
    files = await asyncio.to_thread(_pages_of, source, top / source.root)
    tree = _tree(source, top, files)
    report.count(await _ingest(ctx, tree, prune=True, progress=progress, phase="pages"))
    return ""


async def _sync_git(
    ctx: SyncContext, source: KnowledgeSource, report: SyncReport, progress: Progress
) -> str:
    copy = ctx.cache / source.name / "repo"
    progress.start("fetch", None)
    commit = await asyncio.to_thread(git.update, source.location, source.branch, copy)
    all_pages = await asyncio.to_thread(_pages_of, source, copy / source.root)
    diff = await asyncio.to_thread(git.changes, copy, source.cursor, commit)
    tree = _tree(source, copy, all_pages)
    if diff is None or _touches_includes(diff):
        # First sync, a lost commit or a changed include: compare every page by its hash.
        report.count(await _ingest(ctx, tree, prune=True, progress=progress, phase="pages"))
        return commit
    in_root = [_under_root(path, source.root) for path in diff.changed]
    changed = {tree.root / path for path in in_root if path is not None}
    files = [path for path in all_pages if path in changed]
    docs = await _ingest(
        ctx,
        DocSource(tree.root, tree.name, tuple(files), tree.base_url, tree.microsoft_learn),
        prune=False,
        progress=progress,
        phase="changed pages",
    )
    report.count(docs)
    report.unchanged += len(all_pages) - len(files)
    listed = {tree.relative(path) for path in all_pages}
    gone = [
        tree.page_key(relative)
        for path in diff.removed
        if (relative := _under_root(path, source.root)) is not None and relative not in listed
    ]
    # Pages that stopped matching --include/--exclude go too: compare against the store.
    prefix = tree.page_key("")
    stored = await ctx.storage.chunks.page_hashes()
    gone += [key for key in stored if key.startswith(prefix) and key[len(prefix) :] not in listed]
    report.removed += await ctx.storage.chunks.delete_pages(sorted(set(gone)))
    return commit


def _under_root(path: str, root: str) -> str | None:
    """A repository path relative to the source's root, None when outside it or not a page."""
    relative = PurePosixPath(path)
    if root:
        if not relative.is_relative_to(root):
            return None
        relative = relative.relative_to(root)
    return relative.as_posix() if is_page(relative) else None


def _touches_includes(diff: git.Changes) -> bool:
    """A changed include fragment changes every page that inlines it, wherever they are."""
    paths = (*diff.changed, *diff.removed)
    return any("includes" in PurePosixPath(path).parts[:-1] for path in paths)


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
    )


async def _sync_web(
    ctx: SyncContext, source: KnowledgeSource, report: SyncReport, progress: Progress
) -> str:
    """Fetch what changed into a Markdown copy of the site, then ingest that copy like a
    folder: unchanged pages cost a hash, and pages that left the site leave the store."""
    mirror = ctx.cache / source.name / "pages"
    stored = {
        rel: Validator.from_json(data) for rel, data in json.loads(source.cursor or "{}").items()
    }
    known = await asyncio.to_thread(_existing, mirror, stored)
    read = sitemap_pages if source.kind == "sitemap" else website_pages
    validators: dict[str, Validator] = {}
    keep: set[Path] = set()
    progress.start("fetch", None)
    async with aclosing(
        read(ctx.http, source.location, known, _web_rules(ctx.settings, source))
    ) as events:
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
    tree = DocSource(mirror.resolve(), source.name, tuple(files), None, microsoft_learn=False)
    report.count(await _ingest(ctx, tree, prune=True, progress=progress, phase="pages"))
    return json.dumps({rel: v.to_json() for rel, v in sorted(validators.items())})


_SYNCERS = {
    "folder": _sync_folder,
    "git": _sync_git,
    "sitemap": _sync_web,
    "website": _sync_web,
}


@contextlib.asynccontextmanager
async def leased(ctx: SyncContext, name: str) -> AsyncIterator[None]:
    """Hold the source's sync lease for the block, renewing it every third of its length, so
    two instances (or a CLI and the service) never sync one source at once."""
    storage, holder = ctx.storage, ctx.holder
    length = timedelta(seconds=ctx.settings.source_lease_seconds)
    now = datetime.now(UTC)
    if not await storage.sources.take_lease(name, holder, now, now + length):
        raise SourceBusyError(f"source '{name}' is being synced by another instance")

    async def renew() -> None:
        while True:
            await asyncio.sleep(length.total_seconds() / 3)
            moment = datetime.now(UTC)
            await storage.sources.take_lease(name, holder, moment, moment + length)

    renewal = asyncio.create_task(renew())
    try:
        yield
    finally:
        renewal.cancel()
        with contextlib.suppress(asyncio.CancelledError, BuddyError):
            await renewal
        with contextlib.suppress(BuddyError):
            await storage.sources.release_lease(name, holder)


async def sync_source(
    ctx: SyncContext,
    source: KnowledgeSource,
    progress: Progress | None = None,
    *,
    only_if_due: bool = False,
) -> SyncReport | None:
    """Sync one source under its lease and record the outcome. A failure of the source is in
    the report (and on the record), never raised; SourceBusyError is. With `only_if_due`,
    None when another instance synced it meanwhile; None too when it was removed."""
    progress = progress or _Quiet()
    report = SyncReport(source.name)
    async with leased(ctx, source.name):
        started, clock = datetime.now(UTC), time.perf_counter()
        # Read again under the lease: the cursor may have moved since the caller read it.
        current = await ctx.storage.sources.get_source(source.name)
        if current is None or (only_if_due and not is_due(current, started)):
            return None
        cursor: str | None = None
        log.info("source_sync_started", source=current.name, holder=ctx.holder)
        try:
            cursor = await _SYNCERS[current.kind](ctx, current, report, progress)
        except BuddyError as exc:
            report.error = exc.detail
        except Exception as exc:
            log.error("source_sync_failed", source=current.name, exc_info=exc)
            report.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        report.seconds = time.perf_counter() - clock
        pages, chunks = await ctx.storage.chunks.count_under(f"{current.name}/")
        failures = tuple(f"{where}: {why}" for where, why in report.failed[:_KEPT_FAILURES])
        await ctx.storage.sources.record_sync(
            current.name,
            SyncOutcome(
                started_at=started,
                finished_at=datetime.now(UTC),
                error=report.error,
                summary=report.summary,
                pages=pages,
                chunks=chunks,
                failures=failures,
                cursor=None if report.error else cursor,
            ),
        )
    log.info(
        "source_synced", source=source.name, summary=report.summary, error=report.error or None
    )
    return report


async def sync_due(ctx: SyncContext) -> list[SyncReport]:
    """Sync every scheduled source whose interval has passed, one after another; a source
    another instance is syncing is left to it, and one failing never stops the rest."""
    reports: list[SyncReport] = []
    now = datetime.now(UTC)
    for source in await ctx.storage.sources.list_sources():
        if not is_due(source, now):
            continue
        try:
            report = await sync_source(ctx, source, only_if_due=True)
        except SourceBusyError:
            continue
        if report is not None:
            reports.append(report)
    return reports


async def sync_forever(ctx: SyncContext) -> None:
    """The running service's schedule: look for due sources every BUDDY_SOURCE_CHECK_SECONDS,
    starting at once, so sources that fell due while the service was down sync first."""
    while True:
        try:
            await sync_due(ctx)
        except BuddyError as exc:  # the store is down: try again at the next check
            log.warning("source_schedule_failed", error=exc.detail)
        await asyncio.sleep(ctx.settings.source_check_seconds)
