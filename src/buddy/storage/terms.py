"""Words for keyword indexes and queries: `IChatClient` also answers to `chat client`."""

from __future__ import annotations

import re

from buddy.storage.records import Chunk, NewsItem

_WORD = re.compile(r"\w+", re.UNICODE)
# Words that only add noise to an OR query of a question.
_STOPWORDS = frozenset(
    (
        "a an and are as at be by can do does for from how i in is it me my of on or "
        "should so that the this to use using what when where which who why will with "
        "you your we our there their its into about get"
    ).split()
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def identifier_terms(text: str) -> str:
    """Lower-case parts of camelCase, PascalCase, snake_case and dotted names in `text`."""
    parts: dict[str, None] = {}
    for match in _IDENTIFIER.finditer(text):
        name = match.group(0)
        if "." not in name and "_" not in name and name.islower():
            continue  # plain words are already in the index as they are
        for piece in re.split(r"[._]", name):
            found = _CAMEL_PART.findall(piece)
            if len(found) > 1 or "." in name or "_" in name:
                parts.update((part.lower(), None) for part in found if len(part) > 1)
    return " ".join(parts)


def query_words(text: str) -> list[str]:
    """The words of a query as typed, without question noise (all of them if nothing else)."""
    found: list[str] = _WORD.findall(text)
    return [word for word in found if word.lower() not in _STOPWORDS] or found


def chunk_terms(chunk: Chunk) -> str:
    """The identifier parts a chunk is also found by, from its title, heading and text."""
    return identifier_terms(f"{chunk.title} {chunk.heading} {chunk.content}")


def folded(*parts: str) -> str:
    """Case-folded text for literal, case-insensitive substring search (fold the query too)."""
    return "\n".join(part.casefold() for part in parts)


def news_search_text(item: NewsItem) -> str:
    """What the news list's search box matches: title, summary, author and source."""
    return folded(item.title, item.summary, item.author, item.source)
