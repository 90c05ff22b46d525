"""Pack a page's units into chunks: headed, bounded in size, overlapping, code kept whole."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from buddy.retrieval.docfx import Unit

_FENCE_LANGUAGE = re.compile(r"^(?:```|~~~)\s*([A-Za-z#+-]+)")
_FENCE_NAMES = {
    "csharp": "csharp",
    "cs": "csharp",
    "c#": "csharp",
    "python": "python",
    "py": "python",
}
_FENCE_NAMES |= {"java": "java", "go": "go", "typescript": "typescript", "ts": "typescript"}


@dataclass(frozen=True)
class ChunkingPolicy:
    """Sizes in characters, chosen with the retrieval eval (see README)."""

    max_chars: int = 1500
    min_chars: int = 400  # a section shorter than this joins the next one
    overlap_chars: int = 200


@dataclass(frozen=True)
class TextChunk:
    heading: str  # heading path, "A > B > C"
    text: str
    language: str  # "csharp", "python", ... or "" when language-neutral


def _size(units: Sequence[Unit]) -> int:
    return sum(len(unit.text) + 2 for unit in units)


def _language(units: Sequence[Unit]) -> str:
    zoned = {unit.language for unit in units if unit.language}
    if zoned:
        return "csharp" if "csharp" in zoned else sorted(zoned)[0]
    fenced = set()
    for unit in units:
        match = _FENCE_LANGUAGE.match(unit.text) if unit.is_code else None
        if match:
            fenced.add(_FENCE_NAMES.get(match.group(1).lower(), ""))
    fenced.discard("")
    if fenced and "csharp" not in fenced and len(fenced) == 1:
        return fenced.pop()
    return ""


def _overlap(units: Sequence[Unit], limit: int) -> list[Unit]:
    """Trailing prose units (never code, never headings) worth up to `limit` characters."""
    carried: list[Unit] = []
    for unit in reversed(units):
        if unit.is_code or unit.heading_level or _size([*carried, unit]) > limit:
            break
        carried.insert(0, unit)
    return carried


def split_oversized(unit: Unit, max_chars: int) -> list[Unit]:
    """A long table or paragraph as pieces of whole lines; a table repeats its header.

    Fenced code is never split: a half code block is worse than a long chunk.
    """
    if unit.is_code or unit.heading_level or len(unit.text) <= max_chars:
        return [unit]
    lines = unit.text.splitlines()
    is_table = len(lines) > 2 and lines[0].lstrip().startswith("|") and "---" in lines[1]
    header = lines[:2] if is_table else []
    pieces: list[Unit] = []
    current: list[str] = []
    for line in lines[len(header) :]:
        if current and len("\n".join([*header, *current, line])) > max_chars:
            pieces.append(replace(unit, text="\n".join([*header, *current])))
            current = []
        current.append(line)
    if current:
        pieces.append(replace(unit, text="\n".join([*header, *current])))
    return pieces


def chunk_units(units: Sequence[Unit], policy: ChunkingPolicy | None = None) -> list[TextChunk]:
    """Group units into chunks that follow headings and zone languages."""
    policy = policy or ChunkingPolicy()
    units = [piece for unit in units for piece in split_oversized(unit, policy.max_chars)]
    chunks: list[TextChunk] = []
    current: list[Unit] = []

    def emit() -> None:
        body = [unit for unit in current if not unit.heading_level or unit is not current[-1]]
        if any(not unit.heading_level for unit in body):
            first = current[0]
            heading = " > ".join(first.headings)
            text = "\n\n".join(unit.text for unit in body)
            chunks.append(TextChunk(heading, text, _language(body)))

    for unit in units:
        if current:
            switch_language = unit.language != current[-1].language
            new_section = 0 < unit.heading_level <= 3 and _size(current) >= policy.min_chars
            too_big = _size([*current, unit]) > policy.max_chars
            if switch_language or new_section or too_big:
                emit()
                carry = (
                    []
                    if switch_language or new_section
                    else _overlap(current, policy.overlap_chars)
                )
                current = [*carry]
        current.append(unit)
    if current:
        emit()
    return chunks
