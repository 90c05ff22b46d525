"""What every kind of source sync shares: where it runs, what it reports, and its progress."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from buddy.config import Settings
from buddy.retrieval.embedders.base import Embedder
from buddy.retrieval.ingest import DocsReport, ingest_docs
from buddy.retrieval.sources import DocSource
from buddy.storage.base import Storage


def new_holder() -> str:
    """A lease holder's name: the host and pid tell an operator which instance holds it."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class SyncReport:
    name: str
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""  # the whole source failed (unreachable, git error); its pages stay
    # Bounds the sync stopped at (--max-pages, --max-depth), as sentences for people.
    limits: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        counts = (
            f"{self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
        )
        return "; ".join([counts, *self.limits])

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


class Quiet:
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


async def ingest_tree(
    ctx: SyncContext, tree: DocSource, *, prune: bool, progress: Progress, phase: str
) -> DocsReport:
    """Bring the store in line with a tree of pages, advancing `progress` page by page."""
    progress.start(phase, len(tree.files))
    return await ingest_docs(
        ctx.storage, ctx.embedder, tree, prune=prune, on_page=lambda _: progress.advance()
    )
