"""The samples gallery and the news list in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import WebApp, event_counts, eventually, open_page, screenshot


def test_gallery_search_tags_pages_and_detail(web_app: WebApp, page: Page) -> None:
    before = event_counts(web_app.settings, "sample_viewed", "search_no_results", "external_click")
    open_page(page, web_app.url + "/#samples")
    expect(page.get_by_role("heading", name="Samples", level=1)).to_be_visible()
    cards = page.locator("#samples-list .card")
    summary = page.locator("#samples-summary")
    expect(summary).to_have_text("48 samples.")
    expect(cards).to_have_count(12)
    expect(page.locator("#samples-pager")).to_contain_text("Page 1 of 4")
    screenshot(page, "gallery")
    first_title = cards.first.locator("h3").inner_text()
    page.get_by_role("button", name="Next →").click()
    expect(page.locator("#samples-pager")).to_contain_text("Page 2 of 4")
    expect(cards.first.locator("h3")).not_to_have_text(first_title)
    expect(cards.first.get_by_role("button")).to_be_focused()  # keyboard users land on page 2

    page.get_by_label("Search samples").fill("vector")
    expect(summary).to_have_text(re.compile(r"^\d+ samples? match\.$"))
    expect(page.locator("#samples-pager")).to_be_empty()
    matching = int(summary.inner_text().split()[0])
    tag_chips = page.get_by_role("group", name="Filter by tag")
    rag = tag_chips.get_by_role("button", name="RAG", exact=True)
    rag.click()
    expect(rag).to_have_attribute("aria-pressed", "true")
    expect(summary).not_to_have_text(f"{matching} samples match.")
    narrowed = int(summary.inner_text().split()[0])
    assert 0 < narrowed < matching
    for card in cards.all():
        expect(card.locator(".tag")).to_contain_text(["RAG"])

    card = cards.first
    title = card.locator("h3").inner_text()
    card.get_by_role("button").click()
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    clone = dialog.locator("#sample-clone")
    expect(clone).to_have_text(re.compile(r"^git clone https://github\.com/[\w.-]+/[\w.-]+\.git$"))
    source = dialog.get_by_role("link", name="Open the source")
    expect(source).to_have_attribute("href", re.compile(r"^https://github\.com/"))
    source.click()  # opens a tab that the test's network rules stop before it leaves
    dialog.get_by_role("button", name="Copy the git clone command").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_label("Search samples").fill("zzzz nothing like this")
    expect(summary).to_have_text("No samples match. Try fewer words or tags.")
    expect(cards).to_have_count(0)
    one_more_each = {kind: count + 1 for kind, count in before.items()}
    assert eventually(lambda: event_counts(web_app.settings, *before) == one_more_each)


def test_news_search_pages_and_links(web_app: WebApp, page: Page) -> None:
    open_page(page, web_app.url + "/#news")
    items = page.locator("#news-list .news-item")
    summary = page.locator("#news-summary")
    expect(summary).to_have_text("28 items, newest first.")
    expect(items).to_have_count(10)
    expect(page.locator("#news-pager")).to_contain_text("Page 1 of 3")
    link = items.first.get_by_role("link")
    expect(link).to_have_attribute("href", re.compile(r"^https?://"))
    expect(link).to_have_attribute("target", "_blank")
    expect(items.first.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    expect(page.get_by_role("link", name="RSS feed")).to_have_attribute("href", "/api/news/rss")
    screenshot(page, "news")

    first = link.inner_text()
    page.get_by_role("button", name="Next →").click()
    expect(page.locator("#news-pager")).to_contain_text("Page 2 of 3")
    expect(items.first.get_by_role("link")).not_to_have_text(first)

    page.get_by_label("Search news").fill("Semantic Kernel")
    expect(summary).to_have_text(re.compile(r"^\d+ items? match, newest first\.$"))
    for item in items.all():
        expect(item).to_contain_text(re.compile("semantic kernel", re.IGNORECASE))
    page.get_by_label("Search news").fill("qqqq no such news")
    expect(summary).to_have_text("No news matches. Try other words.")
    expect(items).to_have_count(0)
