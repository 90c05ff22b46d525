"""Read Markdown in the DocFX flavour of Microsoft Learn into headed, language-labelled units.

Handles YAML front matter, `::: zone pivot` blocks, `> [!NOTE]` callouts, `[!INCLUDE]`
directives (resolved from the same tree), `:::code`/`:::image` directives (dropped: their
content lives elsewhere) and relative links (made absolute with the page's URL rule).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(\n|\Z)", re.S)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
# A closing run of # must be set off by a space, so "# Using C#" keeps its "#".
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)(?:\s+#+)?\s*$")
_ZONE_START = re.compile(r"^\s*:::\s*zone\s+pivot\s*=\s*\"([^\"]+)\"", re.I)
_ZONE_END = re.compile(r"^\s*:::\s*zone-end", re.I)
_DIRECTIVE = re.compile(r"^\s*:::\s*(code|image|row|row-end|column|column-end|video)\b", re.I)
_CALLOUT = re.compile(r"^(\s*>\s*)\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$", re.I)
_INCLUDE = re.compile(r"\[!INCLUDE\s*\[[^\]]*\]\(([^)]+)\)\]", re.I)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)(\s+\"[^\"]*\")?\)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LANGUAGE_PIVOT = "programming-language-"
_MAX_INCLUDE_DEPTH = 3


@dataclass(frozen=True)
class Unit:
    """A paragraph, list, table or whole fenced code block, with where it sits on the page."""

    text: str
    headings: tuple[str, ...]
    language: str  # "csharp", "python", ... from the zone pivot; "" outside any zone
    heading_level: int = 0  # > 0 when the unit is itself a heading line
    is_code: bool = False


@dataclass
class ParsedPage:
    title: str
    description: str
    updated: datetime | None
    units: list[Unit] = field(default_factory=list)
    url: str = ""  # an explicit `url:` in the front matter wins over the tree's URL rule


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        data = None
    return (data if isinstance(data, dict) else {}), text[match.end() :]


def parse_date(value: object) -> datetime | None:
    """`ms.date` (MM/DD/YYYY) or ISO dates; placeholders such as MM/DD/YYYY give None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value or "").strip()
    for pattern in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _pivot_language(pivots: str) -> str:
    first = pivots.split(",", maxsplit=1)[0].strip().lower()
    return first.removeprefix(_LANGUAGE_PIVOT) if first.startswith(_LANGUAGE_PIVOT) else ""


def expand_includes(text: str, folder: Path, root: Path, depth: int = 0) -> str:
    """Inline `[!INCLUDE]` targets that exist inside `root`; others are dropped. Inside a
    fenced code block the syntax is an example (as DocFX treats it) and stays as written."""

    def replace(match: re.Match[str]) -> str:
        target = (folder / match.group(1).strip()).resolve()
        if depth >= _MAX_INCLUDE_DEPTH or not target.is_relative_to(root) or not target.is_file():
            return ""
        _, body = split_front_matter(target.read_text(encoding="utf-8", errors="replace"))
        return expand_includes(body, target.parent, root, depth + 1)

    return _outside_code(text, lambda prose: _INCLUDE.sub(replace, prose))


def _closes(fence: str, line: str) -> bool:
    """Only a bare fence of the same kind, at least as long, closes a code block."""
    closing = line.strip()
    return bool(closing) and set(closing) == {fence[0]} and len(closing) >= len(fence)


def _outside_code(text: str, transform: Callable[[str], str]) -> str:
    """`transform` applied to the text between fenced code blocks; the blocks stay as written."""
    written: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        if fence is not None:
            written.append(line)
            fence = None if _closes(fence, line) else fence
            continue
        opening = _FENCE.match(line)
        if opening is None:
            prose.append(line)
            continue
        written += [transform("".join(prose)), line]
        prose, fence = [], opening.group(1)
    written.append(transform("".join(prose)))
    return "".join(written)


def _clean_inline(line: str, resolve_link: Callable[[str], str]) -> str:
    line = _IMAGE.sub("", line)
    callout = _CALLOUT.match(line)
    if callout:
        return f"{callout.group(1)}**{callout.group(2).capitalize()}:**"
    return _LINK.sub(lambda m: f"[{m.group(1)}]({resolve_link(m.group(2))})", line)


def _heading_text(raw: str) -> str:
    """Headings as plain words: no backticks, links reduced to their text (DocFX tabs)."""
    text = _LINK.sub(lambda m: m.group(1), _IMAGE.sub("", raw))
    return " ".join(text.replace("`", "").split())


class _UnitBuilder:
    """Walks lines once, tracking fences, zones and headings, and emits units."""

    def __init__(self, resolve_link: Callable[[str], str]) -> None:
        self.resolve_link = resolve_link
        self.units: list[Unit] = []
        self.headings: list[tuple[int, str]] = []
        self.language = ""
        self.buffer: list[str] = []
        self.fence: str | None = None

    def _path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.headings)

    def flush(self, is_code: bool = False) -> None:
        text = "\n".join(self.buffer).strip("\n")
        if text.strip():
            self.units.append(Unit(text, self._path(), self.language, is_code=is_code))
        self.buffer = []

    def feed(self, line: str) -> None:
        if self.fence is not None:
            self.buffer.append(line)
            if _closes(self.fence, line):
                self.fence = None
                self.flush(is_code=True)
            return
        fence = _FENCE.match(line)
        if fence:
            self.flush()
            self.fence = fence.group(1)
            self.buffer.append(line.strip())
            return
        self._feed_text(line)

    def _feed_text(self, line: str) -> None:
        zone = _ZONE_START.match(line)
        if zone or _ZONE_END.match(line):
            self.flush()
            self.language = _pivot_language(zone.group(1)) if zone else ""
            return
        if _DIRECTIVE.match(line):
            return
        heading = _HEADING.match(line)
        if heading:
            self.flush()
            level, text = len(heading.group(1)), _heading_text(heading.group(2))
            self.headings = [(lvl, h) for lvl, h in self.headings if lvl < level]
            self.headings.append((level, text))
            self.units.append(Unit(f"{'#' * level} {text}", self._path(), self.language, level))
            return
        if not line.strip():
            self.flush()
            return
        self.buffer.append(_clean_inline(line.rstrip(), self.resolve_link))

    def finish(self) -> list[Unit]:
        self.flush(is_code=self.fence is not None)
        return self.units


def parse_markdown(
    text: str,
    path: Path,
    root: Path,
    resolve_link: Callable[[str], str],
    *,
    includes_expanded: bool = False,
) -> ParsedPage:
    """Parse one Markdown page of the tree at `root`."""
    meta, body = split_front_matter(text)
    if not includes_expanded:
        body = expand_includes(body, path.parent, root.resolve())
    body = _COMMENT.sub("", body)
    builder = _UnitBuilder(resolve_link)
    for line in body.splitlines():
        builder.feed(line)
    units = builder.finish()
    h1 = next((u.text.lstrip("# ") for u in units if u.heading_level == 1), "")
    title = str(meta.get("title") or h1 or path.stem.replace("-", " ").capitalize())
    updated = parse_date(meta.get("ms.date") or meta.get("updated") or meta.get("date"))
    return ParsedPage(
        title=title.strip(),
        description=str(meta.get("description") or "").strip(),
        updated=updated,
        units=units,
        url=str(meta.get("url") or "").strip(),
    )
