"""Where documentation comes from: a folder, one file, or a git repository cloned shallowly."""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from buddy.errors import BuddyError

DOC_SUFFIXES = frozenset({".md", ".markdown", ".html", ".htm"})
# Repository housekeeping, not documentation (upper-case by convention, matched exactly).
_META_FILES = frozenset(
    (
        "AGENTS.md",
        "CLAUDE.md",
        "SECURITY.md",
        "CONTRIBUTING.md",
        "CODE_OF_CONDUCT.md",
        "ThirdPartyNotices.md",
        "SOURCE.md",
        "SKILL.md",
        "LICENSE.md",
        "PULL_REQUEST_TEMPLATE.md",
    )
)
_LEARN = "https://learn.microsoft.com/en-us/"
_GIT_URL = re.compile(r"^(https?://|git@|ssh://).+|.+\.git$")
_GIT_TIMEOUT_S = 600


class SourceError(BuddyError):
    code = "invalid_source"


@dataclass(frozen=True)
class DocSource:
    """A resolved tree of documents plus the rule that gives each page its public URL."""

    root: Path
    name: str  # prefix of page keys, so pages of different sources never collide
    files: tuple[Path, ...]
    base_url: str | None
    microsoft_learn: bool

    single_file: bool = False

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def page_key(self, relative: str) -> str:
        return f"{self.name}/{relative}"

    def page_url(self, relative: str) -> str:
        """Public URL of a page: `--base-url` + path, or the Microsoft Learn rule."""
        stem = relative.rsplit(".", 1)[0]
        if stem == "index" or stem.endswith("/index"):
            stem = stem.removesuffix("index").rstrip("/")
        if self.base_url:
            return f"{self.base_url.rstrip('/')}/{stem}".rstrip("/")
        if self.microsoft_learn:
            return f"{_LEARN}{stem}".rstrip("/")
        return ""


def is_git_url(source: str) -> bool:
    return bool(_GIT_URL.match(source)) and not Path(source).exists()


def clone(url: str, cache: Path) -> Path:
    """Shallow-clone (or update) `url` under `cache` with the system git."""
    target = cache / "git" / hashlib.sha256(url.encode()).hexdigest()[:16]
    commands: list[list[str]]
    if (target / ".git").is_dir():
        commands = [
            ["git", "-C", str(target), "fetch", "--depth", "1", "origin"],
            ["git", "-C", str(target), "reset", "--hard", "FETCH_HEAD"],
        ]
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        commands = [["git", "clone", "--depth", "1", "--quiet", url, str(target)]]
    for command in commands:
        try:
            subprocess.run(  # noqa: S603 - fixed git argv, the URL is one argument
                command, check=True, capture_output=True, text=True, timeout=_GIT_TIMEOUT_S
            )
        except FileNotFoundError:
            raise SourceError("git is not installed; install it or point at a folder") from None
        except subprocess.CalledProcessError as exc:
            last = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise SourceError(f"git could not fetch {url}: {last[0]}") from None
        except subprocess.TimeoutExpired:
            raise SourceError(f"git timed out fetching {url}") from None
    return target


def looks_like_microsoft_docs(root: Path, git_url: str | None) -> bool:
    if git_url and "microsoftdocs" in git_url.lower():
        return True
    markers = (".openpublishing.publish.config.json", "docfx.json")
    if any((root / marker).exists() for marker in markers):
        return True
    source_note = root / "SOURCE.md"
    return source_note.is_file() and "learn.microsoft.com" in source_note.read_text(
        encoding="utf-8", errors="replace"
    )


def is_page(relative: PurePosixPath) -> bool:
    """Whether a file at this path inside a tree is a documentation page of its own."""
    parts = relative.parts
    if not parts or any(part.startswith(".") for part in parts):
        return False
    if relative.suffix.lower() not in DOC_SUFFIXES or relative.name in _META_FILES:
        return False
    if "includes" in parts[:-1]:
        return False  # DocFX include fragments are inlined into the pages that use them
    # A repository's front page describes the repo, not the product.
    return not (len(parts) == 1 and relative.name.lower() == "readme.md")


def walk(root: Path) -> Iterator[Path]:
    """The pages of a tree, in path order."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or not is_page(PurePosixPath(path.relative_to(root).as_posix())):
            continue
        if not path.resolve().is_relative_to(root):
            continue  # a symlink out of the tree (cloned repos keep them) is not ours to read
        yield path


def resolve_source(source: str, cache: Path, base_url: str | None = None) -> DocSource:
    """Turn the `buddy ingest docs` argument into a tree of documents."""
    git_url = source if is_git_url(source) else None
    path = clone(source, cache) if git_url else Path(source).expanduser()
    if not path.exists():
        raise SourceError(f"{source} does not exist")
    files: tuple[Path, ...]
    if path.is_file():
        if path.suffix.lower() not in DOC_SUFFIXES:
            raise SourceError(f"{source} is not a Markdown or HTML file")
        root, files = path.parent.resolve(), (path.resolve(),)
    else:
        root = path.resolve()
        files = tuple(walk(root))
    # Readable, and unique per location: two folders both called docs never share page keys.
    origin = git_url or str(root)
    readable = git_url.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1] if git_url else root.name
    name = f"{readable}~{hashlib.sha256(origin.encode()).hexdigest()[:8]}"
    microsoft = looks_like_microsoft_docs(root, git_url)
    return DocSource(root, name, files, base_url, microsoft, single_file=path.is_file())
