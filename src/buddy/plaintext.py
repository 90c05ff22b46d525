"""Plain text tidied and summarised: spaces normalised, summaries that never cut a word."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# A sentence ends at . ! ? (optionally followed by a quote or bracket) and then white space.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+")
_ELLIPSIS = "…"


def normalise_space(text: str) -> str:
    """Runs of spaces as one, lines trimmed, at most one blank line between blocks."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _meaningful(sentence: str) -> bool:
    # Skip fragments such as "Read more", bylines and bare links.
    words = sentence.split()
    return len(words) >= 4 and not sentence.lower().startswith(("read more", "continue reading"))


def cut_at_word(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    room = text[: limit - len(_ELLIPSIS) + 1]
    cut = room.rsplit(None, 1)[0] if " " in room.strip() else room[: limit - len(_ELLIPSIS)]
    return cut.rstrip(" ,;:-\u2013\u2014") + _ELLIPSIS


def extractive_summary(text: str, limit: int = 300) -> str:
    """The first meaningful sentences of `text` that fit in `limit` characters."""
    flat = " ".join(text.split())
    if not flat:
        return ""
    sentences = [s.strip() for s in _SENTENCE_END.split(flat) if s.strip()]
    chosen = [s for s in sentences if _meaningful(s)] or sentences
    summary = ""
    for sentence in chosen:
        candidate = f"{summary} {sentence}".strip()
        if len(candidate) > limit:
            break
        summary = candidate
    return summary or cut_at_word(chosen[0], limit)
