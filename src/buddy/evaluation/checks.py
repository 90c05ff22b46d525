"""Deterministic checks of one answer against a case's `expect`."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from buddy.evaluation.cases import Expect

# A fenced block in C#: the language tag models and the offline answerer write.
_CSHARP_FENCE = re.compile(r"```\s*(csharp|cs|c#)\b", re.IGNORECASE)
# Where an answer names a package it tells the reader to install.
_INSTALLED = re.compile(
    r"(?:dotnet\s+add(?:\s+\S+)?\s+package|Install-Package|#r\s+\"nuget:|"
    r"PackageReference\s+Include=\")\s*\"?([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_])",
    re.IGNORECASE,
)
# How an answer says its sources do not cover a question.
_DECLINES = re.compile(
    r"nothing on this|nothing to (?:quote|cite)|"
    r"(?:do(?:es)?n['\u2019]t|do(?:es)? not) (?:cover|mention|include|contain|say)|"
    r"not (?:covered|mentioned|in the (?:sources|documentation|docs))|"
    r"no (?:information|sources?|documentation) (?:on|about|for)|"
    r"(?:couldn['\u2019]t|could not|cannot|can['\u2019]t) find|"
    r"outside (?:the|my) (?:scope|sources)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Answer:
    """What one case's chat stream produced."""

    text: str
    cited: tuple[str, ...]
    error_code: str = ""
    latency_s: float = 0.0


PackageExists = Callable[[str], Awaitable[bool]]


def named_packages(text: str) -> list[str]:
    """The package ids an answer tells the reader to install, in order, once each."""
    found: dict[str, str] = {}
    for match in _INSTALLED.finditer(text):
        found.setdefault(match.group(1).lower(), match.group(1))
    return list(found.values())


def _cites(cited: tuple[str, ...], wanted: list[str]) -> bool:
    return any(url.startswith(prefix) for url in cited for prefix in wanted)


async def run_checks(expect: Expect, answer: Answer, exists: PackageExists) -> dict[str, bool]:
    """Each named check's outcome; `answered` (the stream completed) is always there."""
    lowered = answer.text.lower()
    checks = {"answered": not answer.error_code and bool(answer.text.strip())}
    if expect.cite_any:
        checks["cite_any"] = _cites(answer.cited, expect.cite_any)
    if expect.mention_all:
        checks["mention_all"] = all(term.lower() in lowered for term in expect.mention_all)
    if expect.mention_any:
        checks["mention_any"] = any(term.lower() in lowered for term in expect.mention_any)
    if expect.has_code is not None:
        checks["has_code"] = bool(_CSHARP_FENCE.search(answer.text)) == expect.has_code
    if expect.declines is not None:
        declined = bool(_DECLINES.search(answer.text)) and not answer.cited
        checks["declines"] = declined == expect.declines
    named = named_packages(answer.text)
    if expect.packages or named:
        mentioned = all(package.lower() in lowered for package in expect.packages)
        to_verify = {p.lower(): p for p in [*expect.packages, *named]}.values()
        checks["packages"] = mentioned and all([await exists(p) for p in to_verify])
    return checks
