"""Main content of saved documentation pages, and the URL rules of web sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from buddy.sources.web_page import content_markdown, page_document, scan_page
from buddy.sources.web_urls import canonical_url, crawl_link, path_selected, relative_key

PAGES = Path(__file__).parent / "pages"
EXPECTATIONS: dict[str, dict[str, Any]] = json.loads(
    (PAGES / "expectations.json").read_text(encoding="utf-8")
)
# A code block whose class is a bare language name carries no marker a converter can trust.
KNOWN_MISSES = {("plain-faq.html", "csharp")}


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_saved_page_keeps_content_and_code_and_drops_furniture(name: str) -> None:
    expect = EXPECTATIONS[name]
    markup = (PAGES / name).read_text(encoding="utf-8")
    markdown = content_markdown(markup, expect["url"], scan_page(markup))
    for sentence in expect["keep"]:
        assert sentence in markdown
    for language, snippet in expect["code"]:
        assert snippet in markdown
        if (name, language) not in KNOWN_MISSES:
            assert f"```{language}\n" in markdown
    for furniture in expect["leak"]:
        assert furniture not in markdown


def test_scan_reads_base_robots_meta_and_follow_links() -> None:
    scan = scan_page(
        "<html><head><title> A &amp; B </title><base href='https://h.example/docs/'>"
        "<meta name='robots' content='noindex, follow'></head><body>"
        "<a href='x'>x</a><a rel='nofollow ugc' href='y'>y</a><div role='main'><div>in</div>"
        "<p>still in</p></div><p>out</p></body></html>"
    )
    assert (scan.title, scan.base, scan.noindex, scan.nofollow) == (
        "A & B", "https://h.example/docs/", True, False,
    )  # fmt: skip
    assert scan.links == ["x"]
    markup = "<p>lead</p><a href='rel'>link</a>"
    body = content_markdown(markup, "https://h.example/docs/page", scan_page(markup))
    assert body == "lead\n\n[link](https://h.example/docs/rel)"


def test_page_document_front_matter_survives_quotes_and_colons() -> None:
    document = page_document('Say "hi": now', "https://h.example/a", "Body")
    assert document == '---\ntitle: "Say \\"hi\\": now"\nurl: "https://h.example/a"\n---\nBody\n'


def test_urls_are_canonical_and_keyed_without_scheme() -> None:
    assert canonical_url("HTTPS://Learn.Example.COM:443/Docs/A?x=1#part") == (
        "https://learn.example.com/Docs/A?x=1"
    )
    assert canonical_url("http://h.example:8080") == "http://h.example:8080/"
    assert relative_key("https://learn.example.com/docs/agents/overview#intro") == (
        "learn.example.com/docs/agents/overview"
    )
    assert relative_key("https://h.example/search?q=agents") == "h.example/search?q=agents"


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("/semantic-kernel", True),
        ("/semantic-kernel/", True),
        ("/semantic-kernel/concepts/plugins", True),
        ("/semantic-kernel/concepts/old/plugins", False),
        ("/semantic-kernel-archive/x", False),
        ("/agents/overview", False),
    ],
)
def test_globs_select_paths(path: str, selected: bool) -> None:
    rules = (("/semantic-kernel/**",), ("/semantic-kernel/*/old/**",))
    assert path_selected(f"https://h.example{path}", *rules) is selected


def test_crawl_links_stay_in_scope_and_skip_binaries() -> None:
    scope = "https://h.example/docs/"
    base = "https://h.example/docs/guide/intro"
    assert crawl_link("next#top", base, scope) == "https://h.example/docs/guide/next"
    assert crawl_link("/docs/../blog/", base, scope) is None
    assert crawl_link("/other", base, scope) is None
    assert crawl_link("HTTPS://H.EXAMPLE:443/docs/x", base, scope) == "https://h.example/docs/x"
    assert crawl_link("slides.PDF", base, scope) is None
    assert crawl_link("#part", base, scope) is None
    assert crawl_link("mailto:x@h.example", base, scope) is None
