"""Sitemaps read into (page URL, lastmod) entries: plain or gzipped, indexes followed."""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

# The sitemap protocol caps one file at 50 MB uncompressed; an index nests one level, and
# a few more levels are tolerated before we call it a loop or a trap.
MAX_SITEMAP_BYTES = 50_000_000
MAX_INDEX_DEPTH = 3
MAX_SITEMAP_FILES = 100


class SitemapError(Exception):
    """The sitemap cannot be read as one; the message is for people."""


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def _unpacked(body: bytes) -> bytes:
    # A .xml.gz served as a file (not with Content-Encoding) reaches us still compressed.
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        data = inflater.decompress(body, MAX_SITEMAP_BYTES + 1)
    except zlib.error as exc:
        raise SitemapError(f"broken gzip data ({exc})") from None
    if len(data) > MAX_SITEMAP_BYTES:
        raise SitemapError(f"larger than {MAX_SITEMAP_BYTES} bytes uncompressed")
    return data


def parse_sitemap(body: bytes) -> tuple[list[str], list[SitemapEntry]]:
    """(child sitemap URLs, page entries) of one sitemap or sitemap index document."""
    try:
        root = ElementTree.fromstring(_unpacked(body))
    except ElementTree.ParseError as exc:
        raise SitemapError(f"not valid XML ({exc})") from None
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = (_child_text(item, "loc") for item in root if _local(item.tag) == "sitemap")
        return [loc for loc in children if loc], []
    if kind != "urlset":
        raise SitemapError(f"root element is <{kind}>, not <urlset> or <sitemapindex>")
    entries = []
    for item in root:
        loc = _child_text(item, "loc") if _local(item.tag) == "url" else None
        if loc:
            entries.append(SitemapEntry(loc, _child_text(item, "lastmod")))
    return [], entries


async def list_sitemap(
    root_url: str, read: Callable[[str], Awaitable[bytes]], max_entries: int
) -> tuple[list[SitemapEntry], bool]:
    """Every page entry under `root_url`, depth-first, at most `max_entries`; the flag says
    whether the bound cut the listing short. `read` raises SitemapError for a bad file."""
    entries: list[SitemapEntry] = []
    seen_files: set[str] = set()
    pending: list[tuple[str, int]] = [(root_url, 0)]
    while pending:
        url, depth = pending.pop(0)
        if url in seen_files:
            continue
        if len(seen_files) >= MAX_SITEMAP_FILES:
            raise SitemapError(f"more than {MAX_SITEMAP_FILES} sitemap files")
        seen_files.add(url)
        children, found = parse_sitemap(await read(url))
        if children and depth >= MAX_INDEX_DEPTH:
            raise SitemapError(f"sitemap indexes nested deeper than {MAX_INDEX_DEPTH} at {url}")
        pending.extend((child, depth + 1) for child in children)
        for entry in found:
            if len(entries) >= max_entries:
                return entries, True
            entries.append(entry)
    return entries, False
