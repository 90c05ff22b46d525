"""Our own RSS 2.0 output of the latest news."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from buddy import __version__
from buddy.storage.records import NewsItem

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
register_namespace("atom", ATOM_NS)
register_namespace("dc", DC_NS)

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(parent: Element, tag: str, value: str, **attrs: str) -> Element:
    element = SubElement(parent, tag, attrs)
    element.text = _NOT_XML.sub("", value)
    return element


def render_rss(items: Sequence[NewsItem], self_url: str, site_url: str) -> bytes:
    """A valid RSS 2.0 document with atom:link rel=self and RFC 822 dates."""
    rss = Element("rss", {"version": "2.0"})
    channel = SubElement(rss, "channel")
    _text(channel, "title", "C# AI Buddy — .NET AI news")
    _text(channel, "link", site_url)
    _text(channel, "description", "Latest news about building AI apps with C# and .NET.")
    _text(channel, "language", "en")
    _text(channel, "generator", f"csharp-ai-buddy {__version__}")
    newest = max((item.published for item in items), default=datetime.now(UTC))
    _text(channel, "lastBuildDate", format_datetime(newest.astimezone(UTC), usegmt=True))
    SubElement(
        channel,
        f"{{{ATOM_NS}}}link",
        {"href": self_url, "rel": "self", "type": "application/rss+xml"},
    )
    for news in items:
        item = SubElement(channel, "item")
        _text(item, "title", news.title)
        if news.url:
            _text(item, "link", news.url)
        _text(item, "guid", news.guid or news.url or news.id, isPermaLink="false")
        _text(item, "pubDate", format_datetime(news.published.astimezone(UTC), usegmt=True))
        _text(item, "description", news.summary)
        if news.author:
            _text(item, f"{{{DC_NS}}}creator", news.author)
        for tag in news.tags:
            _text(item, "category", tag)
        if news.feed_url.startswith(("http://", "https://")):
            _text(item, "source", news.source, url=news.feed_url)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(rss, encoding="unicode").encode()
