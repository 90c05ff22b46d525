"""URLs of web knowledge sources: one canonical spelling, the stable key of a page, the
include/exclude globs and the crawl's scope."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Links a crawler should not spend a request on: the Content-Type check would reject them
# anyway, after a download.
_BINARY_SUFFIXES = (
    ".pdf", ".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".exe", ".msi", ".dmg", ".nupkg",
    ".dll", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".bmp", ".mp3", ".mp4",
    ".webm", ".mov", ".avi", ".woff", ".woff2", ".ttf", ".eot", ".css", ".js", ".map",
    ".json", ".xml", ".rss", ".atom", ".txt", ".csv", ".xlsx", ".docx", ".pptx",
)  # fmt: skip


def canonical_url(url: str) -> str:
    """Lowercase scheme and host, no default port, no fragment, "/" for an empty path.

    The path is kept as written, `index.html` included: whether `/dir/` and
    `/dir/index.html` are one page is the server's choice, and merging two different pages
    would lose one, while keeping a duplicate costs one stored copy.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def relative_key(url: str) -> str:
    """The stable key of a page inside its source: netloc + path (+ "?" + query)."""
    parts = urlsplit(canonical_url(url))
    return parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")


@lru_cache(maxsize=256)
def _glob_pattern(glob: str) -> re.Pattern[str]:
    # `**` spans directories, `*` and `?` stay inside one; a trailing `/**` also matches
    # the directory itself, so "/docs/**" takes "/docs" and "/docs/".
    pattern = ""
    rest = glob
    while rest:
        if rest == "/**":
            pattern += "(?:/.*)?"
            break
        if rest.startswith("**"):
            pattern, rest = pattern + ".*", rest[2:]
        elif rest[0] == "*":
            pattern, rest = pattern + "[^/]*", rest[1:]
        elif rest[0] == "?":
            pattern, rest = pattern + "[^/]", rest[1:]
        else:
            pattern, rest = pattern + re.escape(rest[0]), rest[1:]
    return re.compile(pattern)


def path_selected(url: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    """True when the URL's path matches an include glob (or there are none) and no exclude."""
    path = urlsplit(url).path or "/"
    if include and not any(_glob_pattern(g).fullmatch(path) for g in include):
        return False
    return not any(_glob_pattern(g).fullmatch(path) for g in exclude)


def crawl_prefix(start_url: str) -> str:
    """scheme://host/dir/ of the start URL: the crawl stays under it."""
    canonical = canonical_url(start_url)
    parts = urlsplit(canonical)
    directory = parts.path[: parts.path.rfind("/") + 1] or "/"
    return urlunsplit((parts.scheme, parts.netloc, directory, "", ""))


def crawl_link(href: str, base: str, prefix: str) -> str | None:
    """The canonical absolute URL of a link if the crawl should follow it, else None."""
    if href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
        return None
    url = canonical_url(urljoin(base, href))
    if not url.startswith(prefix) or urlsplit(url).path.lower().endswith(_BINARY_SUFFIXES):
        return None
    return url
