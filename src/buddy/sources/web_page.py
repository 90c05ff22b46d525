"""One fetched HTML page read for a knowledge source: its main content as Markdown, and the
links, `<base href>` and robots meta a crawler needs.

How the main content is found, and why this way rather than with a general extractor.
`benchmarks/extractors.py` on the five saved pages of tests/sources/pages/ (two
Learn-like, a static-site-generator docs page, a blog post, a bare FAQ page), 2026-12-05,
2 shared cores, html-to-markdown 3.21.2, trafilatura 2.3.1 (Markdown output):

| extractor             | key sentences | code fenced with language | furniture leaked | ms/page |
| --------------------- | ------------- | ------------------------- | ---------------- | ------- |
| region + h-t-m (ours) | 21/21         | 7/8                       | 0/34             | 0.5-0.6 |
| trafilatura           | 20/21         | 0/8                       | 2/34             | 1.9-2.7 |

trafilatura keeps the prose but fences every code block without its language (the
chunker and the C#-aware answers rely on it), leaks "In this article" and "Was this page
helpful", drops a link, is 3-4x slower, and would bring lxml and five more packages; it
stays a bench-only extra. Documentation sites mark their content (`<main>`, `role=main`, a
single `<article>`), so the page's own markup is the better signal: take that region, drop
the furniture sites put inside it by well-known names, and convert with the converter the
knowledge base already uses. Its one miss is a code block whose class is a bare language
name (`class="csharp"`), which nothing marks as a language. A caveat on the figures: the
pages and the furniture list were written together, so ours is tuned to them; on unseen
sites expect some furniture to leak until its class name joins the list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

from html_to_markdown import ConversionOptions, convert

from buddy.plaintext import normalise_space

# Furniture that documentation sites put inside their content region. Attribute values are
# matched unquoted: the converter's selector engine ignores quoted values with spaces.
_FURNITURE = [
    "nav", "aside", "footer", "form", "button", "svg", "noscript", "script", "style",
    "[role=navigation]", "[role=banner]", "[role=contentinfo]", "[role=search]",
    "[role=menubar]", "[aria-label*=article]",
    "[class*=cookie]", "[class*=consent]", "[class*=gdpr]", "[class*=feedback]",
    "[class*=breadcrumb]", "[class*=toc]", "[class*=table-of-contents]",
    "[class*=tableOfContents]", "[class*=pagination]", "[class*=page-nav]", "[class*=share]",
    "[class*=related]", "[class*=comments]", "[class*=skip-link]", "[class*=page-metadata]",
    "[class*=code-header]", "[class*=edit-this-page]", "[class*=sidebar]",
    "[class*=author-bio]", "[class*=version-badge]", "[class*=entry-meta]",
    "#comments", "#header", "#footer", "#menu", "#masthead",
]  # fmt: skip
_FRONT_MATTER = re.compile(r"\A---\n(?=\S).*?\n---\n", re.S)


@dataclass
class PageScan:
    """What one pass over the markup found; offsets index the markup string."""

    title: str = ""
    base: str | None = None
    noindex: bool = False
    nofollow: bool = False
    links: list[str] = field(default_factory=list)
    # (start, end) of the first <main>, role=main element and of each <article>
    main: tuple[int, int] | None = None
    role_main: tuple[int, int] | None = None
    articles: list[tuple[int, int]] = field(default_factory=list)

    def content_region(self) -> tuple[int, int] | None:
        """The span holding the page's own content, or None to take the whole body."""
        # One article is the post or doc itself; several are a listing, where <main> is better.
        if len(self.articles) == 1:
            return self.articles[0]
        return self.main or self.role_main


class _Scanner(HTMLParser):
    """Records links, robots meta, <base>, <title> and where the content elements sit."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self._line_starts = [0]
        self._line_starts.extend(m.end() for m in re.finditer("\n", markup))
        self._open: list[tuple[str, int, str]] = []  # (tag, start offset, region kind)
        self._in_title = False
        self._title_parts: list[str] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "a" and attr.get("href"):
            if "nofollow" not in attr.get("rel", "").lower().split():
                self.scan.links.append(attr["href"].strip())
        elif tag == "base" and attr.get("href") and self.scan.base is None:
            self.scan.base = attr["href"].strip()
        elif tag == "meta" and attr.get("name", "").lower() in {"robots", "buddy"}:
            words = {w.strip() for w in attr.get("content", "").lower().split(",")}
            self.scan.noindex |= bool(words & {"noindex", "none"})
            self.scan.nofollow |= bool(words & {"nofollow", "none"})
        elif tag == "title":
            self._in_title = True
        kind = _region_kind(tag, attr)
        if kind:
            self._open.append((tag, self._offset(), kind))
        elif self._open and tag == self._open[-1][0]:
            # the same tag nested inside a region (a div in a role=main div) must close first
            self._open.append((tag, -1, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if not self._open or self._open[-1][0] != tag:
            return
        _, start, kind = self._open.pop()
        if start < 0:
            return
        end = self._offset() + len(f"</{tag}>")
        if kind == "article":
            self.scan.articles.append((start, end))
        elif kind == "main" and self.scan.main is None:
            self.scan.main = (start, end)
        elif kind == "role_main" and self.scan.role_main is None:
            self.scan.role_main = (start, end)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)

    def close(self) -> None:
        super().close()
        self.scan.title = normalise_space(" ".join(self._title_parts))


def _region_kind(tag: str, attr: dict[str, str]) -> str:
    if tag == "main":
        return "main"
    if tag == "article":
        return "article"
    if attr.get("role", "").lower() == "main":
        return "role_main"
    return ""


def scan_page(markup: str) -> PageScan:
    """One pass over the markup; malformed HTML gives what could be read, never an error."""
    scanner = _Scanner(markup)
    scanner.feed(markup)
    scanner.close()
    return scanner.scan


def base_url(page_url: str, scan: PageScan) -> str:
    """The URL relative links resolve against: the page's, or its <base href>."""
    return urljoin(page_url, scan.base) if scan.base else page_url


def content_markdown(markup: str, page_url: str, scan: PageScan) -> str:
    """The main content of the page as Markdown, links absolute, furniture left out."""
    region = scan.content_region()
    fragment = markup[region[0] : region[1]] if region else markup
    options = ConversionOptions(
        heading_style="atx",
        code_block_style="backticks",
        exclude_selectors=_FURNITURE,
        compact_tables=True,
        skip_images=True,
        extract_metadata=False,
        base_url=base_url(page_url, scan),
    )
    body = _FRONT_MATTER.sub("", convert(fragment, options).content or "", count=1)
    return body.strip("\n")


def page_document(title: str, url: str, body: str) -> str:
    """The stored page: front matter with its title and URL, then the Markdown body."""
    # JSON strings are valid YAML scalars, so quotes and colons in titles need no care.
    head = f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nurl: {json.dumps(url)}\n---\n"
    return head + body + "\n"
