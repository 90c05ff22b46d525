"""Registering, listing and removing knowledge sources, and the presets we know."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit

from buddy.errors import BuddyError, InvalidInputError, NotFoundError
from buddy.storage.base import Storage
from buddy.storage.records import KnowledgeSource

Kind = Literal["folder", "git", "sitemap", "website"]
KINDS: tuple[str, ...] = get_args(Kind)
# No `~` or `/`: one-off `buddy ingest docs` trees are keyed `<name>~<hash>/`, so a registered
# source's pages (`<name>/...`) can never share keys with them or with another source.
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_MAX_PATTERNS = 50


class SourceExistsError(BuddyError):
    status_code = 409
    code = "source_exists"


class SourceNotFoundError(NotFoundError):
    code = "source_not_found"


@dataclass(frozen=True)
class SourceSpec:
    """What `buddy sources add` was given, before it is checked."""

    name: str
    kind: str
    location: str
    base_url: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    branch: str = ""
    root: str = ""
    every_seconds: int = 0
    max_pages: int = 500
    max_depth: int = 5


def _learn(section: str) -> str:
    return f"https://learn.microsoft.com/en-us/{section}"


_SK_DOCS = "https://github.com/MicrosoftDocs/semantic-kernel-docs.git"
_DAY = 86_400
# The public .NET AI documentation, each repository with the rule that gives its pages their
# Microsoft Learn address. Microsoft.Extensions.AI is documented in the .NET docs' AI section.
PRESETS: dict[str, tuple[SourceSpec, ...]] = {
    "dotnet-ai": (
        SourceSpec(
            "semantic-kernel-docs",
            "git",
            _SK_DOCS,
            base_url=_learn("semantic-kernel"),
            branch="main",
            root="semantic-kernel",
            every_seconds=_DAY,
        ),
        SourceSpec(
            "agent-framework-docs",
            "git",
            _SK_DOCS,
            base_url=_learn("agent-framework"),
            branch="main",
            root="agent-framework",
            every_seconds=_DAY,
        ),
        SourceSpec(
            "dotnet-ai-docs",
            "git",
            "https://github.com/dotnet/docs.git",
            base_url=_learn("dotnet/ai"),
            branch="main",
            root="docs/ai",
            every_seconds=_DAY,
        ),
    )
}


def _check_url(value: str, what: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidInputError(f"{what} must be an http(s) URL, not '{value}'")


def _check_patterns(patterns: tuple[str, ...]) -> None:
    if len(patterns) > _MAX_PATTERNS:
        raise InvalidInputError(f"at most {_MAX_PATTERNS} --include/--exclude patterns")
    for pattern in patterns:
        if not pattern.strip() or "\x00" in pattern or len(pattern) > 300:
            raise InvalidInputError(f"'{pattern}' is not a usable glob pattern")


def _location(spec: SourceSpec) -> str:
    """The checked LOCATION: a folder as an absolute path, a web source's URL, a repository."""
    location = spec.location.strip()
    if spec.kind == "folder":
        folder = Path(location).expanduser()
        if not folder.is_dir():
            raise InvalidInputError(f"{location} is not a folder")
        return str(folder.resolve())
    if spec.kind in {"sitemap", "website"}:
        _check_url(location, "LOCATION")
    elif not location:
        raise InvalidInputError("LOCATION must name a git repository (a URL or a path)")
    return location


def _check_tree_options(spec: SourceSpec) -> None:
    """--base-url, --branch and --root name parts of a tree of files, not of a web site."""
    tree = spec.kind in {"git", "folder"}
    if spec.base_url:
        if not tree:
            raise InvalidInputError(
                "--base-url is for folder and git sources: web pages keep theirs"
            )
        _check_url(spec.base_url, "--base-url")
    if spec.branch and not re.fullmatch(r"[A-Za-z0-9._/-]{1,200}", spec.branch):
        raise InvalidInputError(f"'{spec.branch}' is not a branch name")
    if spec.branch and spec.kind != "git":
        raise InvalidInputError("--branch is for git sources only")
    if spec.root.strip("/") and (not tree or ".." in Path(spec.root).parts):
        raise InvalidInputError("--root is a folder inside a git or folder source")


def checked(spec: SourceSpec, now: datetime | None = None) -> KnowledgeSource:
    """The spec as a source record, or an error that says what to change."""
    if not _NAME.fullmatch(spec.name):
        raise InvalidInputError(
            f"'{spec.name}' is not a source name: use 1-63 lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    if spec.kind not in KINDS:
        raise InvalidInputError(f"'{spec.kind}' is not a source kind: use {', '.join(KINDS)}")
    location = _location(spec)
    _check_tree_options(spec)
    _check_patterns(spec.include)
    _check_patterns(spec.exclude)
    if spec.every_seconds and spec.every_seconds < 60:
        raise InvalidInputError("--every must be at least 1 minute")
    if not 1 <= spec.max_pages <= 100_000:
        raise InvalidInputError("--max-pages must be between 1 and 100000")
    if not 0 <= spec.max_depth <= 50:
        raise InvalidInputError("--max-depth must be between 0 (the start page only) and 50")
    if spec.max_depth != SourceSpec.max_depth and spec.kind != "website":
        raise InvalidInputError("--max-depth is for website sources: it bounds the crawl")
    return KnowledgeSource(
        name=spec.name,
        kind=spec.kind,
        location=location,
        created_at=now or datetime.now(UTC),
        base_url=spec.base_url,
        include=spec.include,
        exclude=spec.exclude,
        branch=spec.branch,
        root=spec.root.strip("/"),
        every_seconds=spec.every_seconds,
        max_pages=spec.max_pages,
        max_depth=spec.max_depth,
    )


async def add_source(storage: Storage, spec: SourceSpec) -> KnowledgeSource:
    source = checked(spec)
    if not await storage.sources.add_source(source):
        raise SourceExistsError(
            f"a source named '{spec.name}' exists; remove it first or choose another name"
        )
    return source


async def add_preset(storage: Storage, preset: str) -> tuple[list[str], list[str]]:
    """Register a preset's sources; returns the names added and those that existed."""
    if preset not in PRESETS:
        raise InvalidInputError(f"'{preset}' is not a preset: use {', '.join(PRESETS)}")
    added: list[str] = []
    existing: list[str] = []
    for spec in PRESETS[preset]:
        fresh = await storage.sources.add_source(checked(spec))
        (added if fresh else existing).append(spec.name)
    return added, existing


async def get_source(storage: Storage, name: str) -> KnowledgeSource:
    found = await storage.sources.get_source(name)
    if found is None:
        raise SourceNotFoundError(f"no source named '{name}'; `buddy sources list` shows them")
    return found


async def remove_source(storage: Storage, name: str) -> int:
    """Remove a source with its pages and chunks; returns how many pages went."""
    removed = await storage.sources.remove_source(name)
    if removed is None:
        raise SourceNotFoundError(f"no source named '{name}'; `buddy sources list` shows them")
    return removed
