"""HTML to readable plain text, and extractive summaries that never cut a word."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {
        *("p", "div", "br", "li", "ul", "ol", "pre", "blockquote", "tr", "table", "hr"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd"),
        *("section", "article", "header", "footer", "figure", "figcaption"),
    }
)
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# A sentence ends at . ! ? (optionally followed by a quote or bracket) and then white space.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+")
_ELLIPSIS = "…"


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, paragraphs kept as blank-line-separated blocks."""
    if "<" not in markup and "&" not in markup:
        return normalise_space(markup)
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    return normalise_space(html.unescape("".join(collector.parts)))


def normalise_space(text: str) -> str:
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
