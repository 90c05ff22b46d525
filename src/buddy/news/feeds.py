"""Fetch a feed politely (conditional GET, size cap) and parse it into news items."""

from __future__ import annotations

import calendar
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import httpx

from buddy import __version__
from buddy.errors import BuddyError
from buddy.htmltext import html_to_text
from buddy.plaintext import extractive_summary
from buddy.storage.records import NewsItem
from buddy.taxonomy import tags_for_text

USER_AGENT = f"csharp-ai-buddy/{__version__} (+feed reader)"
SUMMARY_CHARS = 300
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


class FeedError(BuddyError):
    """A feed could not be fetched or read; the message names the reason."""

    status_code = 502
    code = "feed_unavailable"


@dataclass(frozen=True)
class Validators:
    """What the server gave us to ask 'has it changed?' next time."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None when the server answered 304 Not Modified
    validators: Validators
    content_type: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    items: list[NewsItem]


async def fetch_feed(
    client: httpx.AsyncClient, url: str, validators: Validators, max_bytes: int
) -> Fetched:
    """GET the feed, sending the stored validators; refuse bodies over `max_bytes`."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, */*"}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    try:
        async with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
            if response.status_code == 304:
                return Fetched(None, validators)
            if response.status_code >= 400:
                raise FeedError(f"HTTP {response.status_code} from {url}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(f"{url} is larger than the {max_bytes}-byte limit")
            body = bytearray()
            async for part in response.aiter_bytes():
                body.extend(part)
                if len(body) > max_bytes:
                    raise FeedError(f"{url} is larger than the {max_bytes}-byte limit")
            fresh = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
            return Fetched(bytes(body), fresh, response.headers.get("content-type", ""))
    except httpx.TimeoutException:
        raise FeedError(f"timed out fetching {url}") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"could not fetch {url}: {type(exc).__name__}") from None


def parse_feed(body: bytes, feed_url: str, fetched_at: datetime) -> ParsedFeed:
    """Parse RSS 2.0, RSS 1.0 or Atom into news items; refuse documents with no entries."""
    parsed: Any = feedparser.parse(body, response_headers={"content-location": feed_url})
    if not parsed.entries:
        reason = "not a feed" if parsed.get("bozo") else "a feed with no items"
        raise FeedError(f"{feed_url} is {reason}")
    feed = parsed.feed
    source = html_to_text(feed.get("title", "")) or source_from_host(feed_url)
    feed_date = _date_of(feed)
    context = _FeedContext(feed, feed_url, source, feed_date or fetched_at)
    items = [item for entry in parsed.entries if (item := _entry_to_item(entry, context))]
    if not items:
        raise FeedError(f"{feed_url} has items but none with a GUID or link")
    return ParsedFeed(source, items)


@dataclass(frozen=True)
class _FeedContext:
    feed: Any
    url: str
    source: str
    fallback_date: datetime  # the feed's own date, else the fetch time


def _entry_to_item(entry: Any, context: _FeedContext) -> NewsItem | None:
    guid = str(entry.get("id") or "").strip()
    link = canonical_link(str(entry.get("link") or ""))
    if not guid and not link:
        return None
    published = _date_of(entry)
    estimated = published is None
    published = published or context.fallback_date
    content = html_to_text(_full_text(entry))
    summary_source = html_to_text(str(entry.get("summary") or "")) or content
    title = html_to_text(str(entry.get("title") or "")) or "(untitled)"
    categories = tuple(str(tag.get("term", "")) for tag in entry.get("tags", []) or [])
    author = html_to_text(str(entry.get("author") or context.feed.get("author") or ""))
    return NewsItem(
        id=news_id(guid, link, context.url),
        title=title,
        url=link,
        summary=extractive_summary(summary_source, SUMMARY_CHARS),
        source=context.source,
        author=author,
        published=published,
        published_estimated=estimated,
        content=content,
        tags=tags_for_text(title, summary_source, content, declared=categories),
        feed_url=context.url,
        guid=guid,
    )


def _full_text(entry: Any) -> str:
    contents = entry.get("content") or []
    return "\n\n".join(str(part.get("value", "")) for part in contents)


def _date_of(node: Any) -> datetime | None:
    # dict.get skips feedparser's deprecated updated->published key aliasing.
    value = dict.get(node, "published_parsed") or dict.get(node, "updated_parsed")
    return _struct_to_datetime(value)


def _struct_to_datetime(value: time.struct_time | None) -> datetime | None:
    # feedparser normalises every date it understands to UTC.
    return None if value is None else datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def news_id(guid: str, link: str, feed_url: str = "") -> str:
    """Stable id: the GUID when the feed has one, else the canonical link.

    A GUID that is not a URL ("1", "post-42") is only unique within its feed.
    """
    if guid and "://" in guid:
        key = f"guid:{guid}"
    elif guid:
        key = f"guid:{feed_url}|{guid}"
    else:
        key = f"link:{link}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def canonical_link(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not name.lower().startswith(_TRACKING_PARAMS)
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )


def source_from_host(url: str) -> str:
    """A readable name from a URL's host: devblogs.microsoft.com -> 'Devblogs Microsoft'."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    labels = host.split(".")
    meaningful = labels[:-1] if len(labels) > 1 else labels
    return " ".join(label.replace("-", " ").title() for label in meaningful) or "Unknown source"
