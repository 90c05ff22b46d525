"""Saved conversations in a real browser: the list (panel and phone drawer), a conversation that
survives a reload, rename, delete and search, and share links that can be revoked."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.fixtures.model_server import text_turn
from tests.web.conftest import PHONE, WebApp, new_context, open_page, screenshot, watch

OWNER_TOKEN = re.compile(r"[0-9a-f]{32}")
ANSWER = (
    "Keep a **ChatHistory** and add each turn to it:\n\n"
    "```csharp\nvar history = new ChatHistory();\nhistory.AddUserMessage(question);\n```\n\n"
    "Semantic Kernel sends the whole history with every call."
)


def ask(page: Page, question: str) -> Locator:
    """Ask through the question box and wait for the finished answer."""
    box = page.get_by_role("textbox", name="Your question")
    box.fill(question)
    box.press("Enter")
    answer = page.locator("article.assistant").last
    expect(answer).to_have_attribute("aria-busy", "false")
    return answer


def conversation_list(page: Page) -> Locator:
    return page.locator("#conversation-list .conversation-open")


def stored(page: Page, name: str) -> Any:
    return page.evaluate("name => localStorage.getItem(name)", name)


def api(web_app: WebApp, page: Page) -> httpx.Client:
    """An HTTP client that owns what the page owns (the page's owner token)."""
    token = stored(page, "buddy.ownerToken")
    assert OWNER_TOKEN.fullmatch(token)
    return httpx.Client(base_url=web_app.url, headers={"X-Owner-Token": token})


def test_a_conversation_is_listed_and_survives_a_reload(web_app: WebApp, page: Page) -> None:
    open_page(page, web_app.url + "/")
    # A remembered conversation that no longer exists is forgotten without a word.
    page.evaluate("localStorage.setItem('buddy.conversation', 'deleted-elsewhere')")
    page.reload()
    expect(page.locator("#conversations-summary")).to_contain_text("No conversations yet")
    page.wait_for_function("localStorage.getItem('buddy.conversation') === null")
    expect(page.get_by_role("alert")).to_have_count(0)

    question = "How do I keep chat history in Semantic Kernel?"
    web_app.script.turns = [text_turn(ANSWER[:50], ANSWER[50:])]
    with page.expect_request("**/api/chat") as chat_request:
        answer = ask(page, question)
    expect(answer.locator("strong")).to_have_text("ChatHistory")
    conversation_id = stored(page, "buddy.conversation")
    sent = chat_request.value
    assert (sent.post_data_json or {})["conversation_id"] == conversation_id
    assert sent.headers["x-owner-token"] == stored(page, "buddy.ownerToken")

    # The server titles the conversation after its first question; the list shows it, marked.
    expect(conversation_list(page)).to_have_count(1)
    item = conversation_list(page).first
    expect(item.locator(".conversation-title")).to_have_text(question)
    expect(item).to_have_attribute("aria-current", "true")
    expect(item.locator(".conversation-meta")).to_contain_text("2 messages")
    expect(page.locator("#conversation-heading")).to_have_text(question)
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".feedback-status")).to_contain_text("recorded")

    page.reload()
    answer = page.locator("article.assistant")
    expect(answer).to_have_count(1)
    expect(page.locator("article.user .bubble")).to_have_text(question)
    expect(answer.locator("strong")).to_have_text("ChatHistory")  # Markdown, as when live
    expect(answer.locator("pre code.hljs")).to_contain_text("AddUserMessage")
    helpful = answer.get_by_role("button", name="Helpful", exact=True)
    expect(helpful).to_have_attribute("aria-pressed", "true")  # the vote given before
    expect(helpful).to_be_disabled()
    expect(page.locator("#home")).to_be_hidden()

    with api(web_app, page) as client:
        for title in ("Vector search with Qdrant from C#", "Run a local model with Ollama"):
            assert client.post("/api/conversations", json={"title": title}).status_code == 201

    # The next question continues it: the model sees the stored turns as history.
    web_app.script.turns = [text_turn("Trim the oldest turns when it grows too long.")]
    ask(page, "And when it gets long?")
    roles = [m["role"] for m in web_app.script.requests[-1]["messages"][1:]]
    assert roles == ["user", "assistant", "user"]
    assert web_app.script.requests[-1]["messages"][1]["content"] == question
    # Most recently updated first: the one just continued is back on top.
    expect(conversation_list(page).locator(".conversation-title")).to_have_text(
        [question, "Run a local model with Ollama", "Vector search with Qdrant from C#"]
    )
    expect(conversation_list(page).first.locator(".conversation-meta")).to_contain_text(
        "4 messages"
    )
    assert stored(page, "buddy.conversation") == conversation_id
    screenshot(page, "conversations-desktop")

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#conversation article")).to_have_count(0)
    expect(conversation_list(page).first).not_to_have_attribute("aria-current", "true")
    assert stored(page, "buddy.conversation") is None


def test_rename_delete_and_search_by_title(web_app: WebApp, page: Page) -> None:
    open_page(page, web_app.url + "/")
    expect(page.locator("#conversations-summary")).to_contain_text("No conversations yet")
    with api(web_app, page) as client:
        for title in ("Local models with Ollama", "Vector search with Qdrant", "Streaming"):
            assert client.post("/api/conversations", json={"title": title}).status_code == 201
        page.reload()
        titles = conversation_list(page).locator(".conversation-title")
        expect(titles).to_have_text(
            ["Streaming", "Vector search with Qdrant", "Local models with Ollama"]
        )

        search = page.get_by_role("searchbox", name="Search conversations by title")
        search.fill("ollama")
        expect(titles).to_have_text(["Local models with Ollama"])
        search.fill("nothing like this")
        expect(page.locator("#conversations-summary")).to_contain_text("No conversation titles")
        search.fill("")
        expect(titles).to_have_count(3)

        rename = page.get_by_role("button", name="Rename Vector search with Qdrant")
        rename.click()
        box = page.get_by_role("textbox", name="New title")
        expect(box).to_be_focused()
        box.press("Escape")  # cancels the renaming only
        expect(rename).to_be_focused()
        rename.click()
        box.fill("Qdrant from C#")
        box.press("Enter")
        expect(titles).to_have_text(["Qdrant from C#", "Streaming", "Local models with Ollama"])

        delete = page.get_by_role("button", name="Delete Local models with Ollama")
        delete.click()
        confirm = page.get_by_role("dialog", name="Delete this conversation?")
        expect(confirm).to_contain_text("Local models with Ollama")
        confirm.get_by_role("button", name="Cancel").click()
        expect(titles).to_have_count(3)
        delete.click()
        confirm.get_by_role("button", name="Delete").click()
        expect(titles).to_have_text(["Qdrant from C#", "Streaming"])

        listed = client.get("/api/conversations").json()
        assert [c["title"] for c in listed["items"]] == ["Qdrant from C#", "Streaming"]


def _open_share_page(browser: Browser, url: str) -> tuple[BrowserContext, Page, list[str]]:
    """The share link in a profile of its own: no owner token, nothing remembered."""
    context = new_context(browser)
    page = context.new_page()
    problems = watch(page)
    open_page(page, url)
    return context, page, problems.messages


def test_share_links_open_read_only_continue_as_a_copy_and_revoke(
    web_app: WebApp, page: Page, browser: Browser
) -> None:
    open_page(page, web_app.url + "/")
    question = "How do I call a local Ollama model?"
    web_app.script.turns = [text_turn("Use `OllamaChatClient` from **Microsoft.Extensions.AI**.")]
    ask(page, question)
    expect(conversation_list(page)).to_have_count(1)

    page.get_by_role("button", name="Share").click()
    dialog = page.get_by_role("dialog", name="Share this conversation")
    expect(dialog.locator("#share-links-summary")).to_have_text("None yet.")
    dialog.get_by_label("Link expires").select_option(label="After 30 days")
    dialog.get_by_role("button", name="Create link").click()
    link = dialog.get_by_role("textbox", name="The link")
    expect(link).to_have_value(re.compile(re.escape(web_app.url) + r"/share/[\w-]+$"))
    share_url = link.input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.locator("#share-copy-status")).to_have_text("Copied the link to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == share_url
    # Where the browser refuses the clipboard, the link is left selected to copy by hand.
    page.evaluate(
        "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }"
    )
    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.locator("#share-copy-status")).to_contain_text("The link is selected")
    expect(link).to_be_focused()
    selected = "document.activeElement.selectionEnd - document.activeElement.selectionStart"
    assert page.evaluate(selected) == len(share_url)
    links = dialog.locator(".share-link")
    expect(links).to_have_count(1)
    expect(links).to_contain_text("2 messages")
    expect(links).to_contain_text("expires")
    screenshot(page, "share-dialog")

    visitor, shared, problems = _open_share_page(browser, share_url)
    try:
        expect(shared.get_by_role("heading", level=1)).to_have_text(question)
        expect(shared.locator("article.user .bubble")).to_have_text(question)
        expect(shared.locator("article.assistant strong")).to_have_text("Microsoft.Extensions.AI")
        expect(shared.locator(".feedback")).to_have_count(0)  # read-only: no votes
        expect(shared.get_by_role("textbox")).to_have_count(0)
        screenshot(shared, "share-page")

        shared.get_by_role("button", name="Continue this conversation").click()
        shared.wait_for_url(web_app.url + "/")
        own = conversation_list(shared)
        expect(own).to_have_count(1)
        expect(own.first.locator(".conversation-title")).to_have_text(question)
        expect(own.first).to_have_attribute("aria-current", "true")
        expect(shared.locator("article.assistant strong")).to_have_text("Microsoft.Extensions.AI")
        assert stored(shared, "buddy.conversation") != stored(page, "buddy.conversation")
        assert stored(shared, "buddy.ownerToken") != stored(page, "buddy.ownerToken")

        dialog.get_by_role("button", name=re.compile("^Revoke")).click()
        expect(dialog.locator("#share-links-summary")).to_have_text("None yet.")
        shared.goto(share_url)
        expect(shared.get_by_role("heading", level=1)).to_have_text("This link no longer works")
        expect(shared.get_by_role("link", name="Start a new conversation")).to_be_visible()
        expect(shared.get_by_role("button", name="Continue this conversation")).to_be_hidden()
        # The copy made before the revocation is the visitor's own and stays.
        shared.goto(web_app.url + "/")
        expect(conversation_list(shared)).to_have_count(1)
    finally:
        visitor.close()
    assert problems == []
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_the_phone_drawer_opens_lists_and_closes(web_app: WebApp, browser: Browser) -> None:
    phone = new_context(browser, phone=True)
    page = phone.new_page()
    problems = watch(page)
    try:
        open_page(page, web_app.url + "/")
        panel = page.get_by_role("complementary", name="Conversations")
        opener = page.get_by_role("button", name="Conversations", exact=True)
        expect(panel).to_be_hidden()
        web_app.script.turns = [text_turn("Use the Ollama connector.")]
        ask(page, "Which connector talks to Ollama?")
        expect(page.locator("#conversation-list li")).to_have_count(1)

        opener.click()
        expect(panel).to_be_visible()
        expect(opener).to_have_attribute("aria-expanded", "true")
        titles = conversation_list(page).locator(".conversation-title")
        expect(titles).to_have_text(["Which connector talks to Ollama?"])
        expect(conversation_list(page).first).to_be_focused()  # the current one
        for _ in range(6):  # focus stays in the open drawer
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.closest('#conversations') !== null")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the drawer makes the page scroll sideways: {width}px"
        screenshot(page, "conversations-phone-drawer")
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        expect(opener).to_be_focused()
        expect(opener).to_have_attribute("aria-expanded", "false")

        opener.click()
        page.get_by_role("button", name="New conversation").click()  # closes it
        expect(panel).to_be_hidden()
        expect(page.locator("#conversation article")).to_have_count(0)
        opener.click()
        conversation_list(page).first.click()  # choosing one closes it too
        expect(panel).to_be_hidden()
        expect(page.locator("article.assistant .markdown")).to_have_text(
            "Use the Ollama connector."
        )
        expect(page.locator("#conversation-heading")).to_be_focused()
    finally:
        phone.close()
    assert problems.messages == []
