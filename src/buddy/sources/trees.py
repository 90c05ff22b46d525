"""Folder and git sources: trees of Markdown and HTML pages on disk."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from pathspec import PathSpec

from buddy.retrieval.sources import DocSource, SourceError, is_page, looks_like_microsoft_docs, walk
from buddy.sources import git
from buddy.sources.context import Progress, SyncContext, SyncReport, ingest_tree
from buddy.storage.records import KnowledgeSource


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


async def sync_folder(
    ctx: SyncContext, source: KnowledgeSource, report: SyncReport, progress: Progress
) -> str:
    top = Path(source.location)
    files = await asyncio.to_thread(_pages_of, source, top / source.root)
    tree = _tree(source, top, files)
    report.count(await ingest_tree(ctx, tree, prune=True, progress=progress, phase="pages"))
    return ""


async def sync_git(
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
        report.count(await ingest_tree(ctx, tree, prune=True, progress=progress, phase="pages"))
        return commit
    in_root = [_under_root(path, source.root) for path in diff.changed]
    changed = {tree.root / path for path in in_root if path is not None}
    files = [path for path in all_pages if path in changed]
    docs = await ingest_tree(
        ctx,
        DocSource(tree.root, tree.name, tuple(files), tree.base_url, tree.microsoft_learn),
        prune=False,
        progress=progress,
        phase="changed pages",
    )
    report.count(docs)
    report.unchanged += len(all_pages) - len(files)
    # Stored pages whose file is no longer listed go: deleted or renamed-away files, and
    # files that stopped matching --include/--exclude.
    listed = {tree.relative(path) for path in all_pages}
    prefix = tree.page_key("")
    stored = await ctx.storage.chunks.page_hashes()
    gone = [key for key in stored if key.startswith(prefix) and key[len(prefix) :] not in listed]
    report.removed += await ctx.storage.chunks.delete_pages(sorted(gone))
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
