"""NuGet's rules for package ids and versions, and SemVer 2.0.0 ordering of versions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from buddy.errors import InvalidInputError

MAX_ID_CHARS = 100  # nuget.org refuses longer ids
MAX_VERSION_CHARS = 64
# Letters, digits and underscores in runs joined by single dots or dashes (the gallery's rule).
_ID = re.compile(r"[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*")
# One to four numeric parts, an optional pre-release label, optional build metadata.
_VERSION = re.compile(
    r"(?P<release>\d+(?:\.\d+){0,3})(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


@dataclass(frozen=True)
class NuGetVersion:
    """A parsed version; `key` orders versions the way NuGet does."""

    text: str
    release: tuple[int, int, int, int]
    pre: tuple[str, ...]

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre)

    @property
    def key(self) -> tuple[object, ...]:
        # A release outranks its pre-releases; numeric labels sort below alphanumeric ones and
        # compare as numbers; labels compare case-insensitively (SemVer 2.0.0 as NuGet applies it).
        labels = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in self.pre)
        return (self.release, not self.pre, labels)


def parse_version(text: str) -> NuGetVersion | None:
    """The version, or None when `text` is not a NuGet version."""
    match = _VERSION.fullmatch(text.strip())
    if match is None or len(text) > MAX_VERSION_CHARS:
        return None
    numbers = [int(part) for part in match["release"].split(".")]
    release = (*numbers, 0, 0, 0)[:4]
    pre = tuple(match["pre"].split(".")) if match["pre"] else ()
    return NuGetVersion(text.strip(), (release[0], release[1], release[2], release[3]), pre)


def version_key(text: str) -> tuple[object, ...]:
    """Sort key for a version string; unparsable strings sort first."""
    parsed = parse_version(text)
    return (1, parsed.key) if parsed else (0, text)


def check_package_id(package_id: str) -> str:
    """The id stripped, or InvalidInputError when it cannot be a NuGet package id."""
    candidate = package_id.strip()
    if len(candidate) > MAX_ID_CHARS or not _ID.fullmatch(candidate):
        raise InvalidInputError(
            f"'{candidate[:MAX_ID_CHARS]}' is not a NuGet package id: use letters, digits and "
            f"underscores joined by single dots or dashes, at most {MAX_ID_CHARS} characters."
        )
    return candidate


def check_version(version: str) -> NuGetVersion:
    parsed = parse_version(version)
    if parsed is None:
        raise InvalidInputError(
            f"'{version[:MAX_VERSION_CHARS]}' is not a NuGet version (for example 9.0.1 or "
            "1.0.0-preview.2)."
        )
    return parsed
