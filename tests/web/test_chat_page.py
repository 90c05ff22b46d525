"""The chat part of the page in a real browser: streaming, code, sources, stop, feedback,
history, filters and sanitising."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, expect

from buddy.app import create_app
from tests.fixtures.chat_setup import ingest_tree
from tests.fixtures.model_server import text_turn, tool_turn
from tests.fixtures.server import serve_in_thread
from tests.retrieval.trees import write_tree
from tests.web.conftest import (
    PHONE,
    WebApp,
    app_settings,
    event_counts,
    eventually,
    new_context,
    open_page,
    run_async,
    screenshot,
    stored_feedback,
    watch,
)

SAMPLES_URL = "https://github.com/dotnet/ai-samples"
ANSWER = (
    "Use **IChatClient** and stream the updates:\n\n"
    "```csharp\n"
    "using Microsoft.Extensions.AI;\n\n"
    'IChatClient client = new OllamaChatClient(new Uri("http://localhost:11434"), "llama3.2");\n'
    'await foreach (var update in client.GetStreamingResponseAsync("Hello"))\n'
    "{\n    Console.Write(update);\n}\n"
    "```\n\n"
    f"Install `Microsoft.Extensions.AI`. More in [the .NET AI samples]({SAMPLES_URL})."
)


def answer_turns() -> list[object]:
    """A tool call that finds the samples page, then an answer that links to it."""
    return [
        tool_turn("search_samples", '{"query": "umbrella quickstarts"}'),
        text_turn(*[ANSWER[i : i + 40] for i in range(0, len(ANSWER), 40)]),
    ]


def ask(page: Page, question: str) -> None:
    box = page.get_by_role("textbox", name="Your question")
    box.fill(question)
    box.press("Enter")


def test_a_question_streams_a_rendered_answer_with_code_sources_and_feedback(
    web_app: WebApp, page: Page
) -> None:
    open_page(page, web_app.url + "/")
    expect(page.locator("#home-news li")).to_have_count(3)
    expect(page.locator("#home-samples li")).to_have_count(3)
    expect(page.locator("[data-question]")).to_have_count(4)

    web_app.script.turns = answer_turns()
    ask(page, "How do I stream chat with IChatClient?")
    answer = page.locator("article.assistant").last
    expect(answer.locator(".tool-chip")).to_have_text(["Looked for samples"])
    expect(answer.locator(".feedback")).to_be_visible()
    expect(answer).to_have_attribute("aria-busy", "false")
    expect(answer.locator("strong")).to_have_text("IChatClient")
    code = answer.locator("pre code.hljs")
    expect(code).to_contain_text("GetStreamingResponseAsync")
    expect(code.locator(".hljs-keyword").first).to_be_visible()  # highlighted, not plain
    expect(answer.locator(".code-language")).to_have_text("C#")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copied_before = event_counts(web_app.settings, "code_copied")["code_copied"]
    answer.get_by_role("button", name="Copy code").click()
    expect(answer.get_by_role("button", name="Copy code")).to_have_text("Copied")
    clipboard = page.evaluate("navigator.clipboard.readText()")
    assert clipboard.startswith("using Microsoft.Extensions.AI;\n")
    assert clipboard.rstrip().endswith("}")
    assert eventually(
        lambda: event_counts(web_app.settings, "code_copied")["code_copied"] == copied_before + 1
    )
    source = answer.get_by_role("region", name="Sources").get_by_role("link")
    expect(source).to_have_attribute("href", SAMPLES_URL)
    expect(source).to_have_attribute("rel", "noopener noreferrer")
    screenshot(page, "chat-desktop")

    span_id = answer.get_attribute("data-span-id") or ""
    assert re.fullmatch(r"[0-9a-f]{16}", span_id)
    answer.get_by_role("button", name="Not helpful").click()
    answer.get_by_label("What was wrong? (optional)").fill("The package version is missing")
    answer.get_by_role("button", name="Send feedback").click()
    expect(answer.locator(".feedback-status")).to_have_text("Thanks, your feedback was recorded.")
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_be_disabled()
    expect(answer.get_by_role("button", name="Not helpful")).to_have_attribute(
        "aria-pressed", "true"
    )
    votes = stored_feedback(web_app.settings, span_id)
    assert [(v.feedback_type, v.comment) for v in votes] == [
        ("thumbs_down", "The package version is missing")
    ]

    # The conversation goes back to the server as real turns with the next question.
    web_app.script.turns = [text_turn("Call `GetResponseAsync` instead.")]
    ask(page, "And without streaming?")
    expect(page.locator("article.assistant .feedback")).to_have_count(2)
    sent = web_app.script.requests[-1]["messages"]
    assert [m["role"] for m in sent[1:]] == ["user", "assistant", "user"]
    assert sent[1]["content"] == "How do I stream chat with IChatClient?"
    assert "GetStreamingResponseAsync" in sent[2]["content"]

    page.get_by_role("button", name="New chat").click()
    expect(page.locator("#conversation article")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_stop_and_escape_cancel_the_answer_on_the_server(web_app: WebApp, page: Page) -> None:
    open_page(page, web_app.url + "/")
    script = web_app.script
    for stop_with in ("button", "escape"):
        script.cancelled.clear()
        script.turns = ["stall"]
        if stop_with == "button":
            page.locator("[data-question]").first.click()  # an example question asks it
        else:
            page.get_by_role("button", name="Ask again").click()
        answer = page.locator("article.assistant").last
        expect(answer.locator(".markdown")).to_have_text("Still thinking")  # streamed, not done
        expect(answer).to_have_attribute("aria-busy", "true")
        if stop_with == "button":
            page.get_by_role("button", name="Stop").click()
        else:
            page.keyboard.press("Escape")
        expect(answer.locator(".notice")).to_contain_text("Stopped")
        expect(page.get_by_role("button", name="Stop")).to_be_hidden()
        assert script.cancelled.wait(5), f"{stop_with}: the model request was not closed"
    expect(page.locator("article.assistant .feedback")).to_have_count(0)


def test_a_failed_answer_says_why_and_retry_asks_again(web_app: WebApp, page: Page) -> None:
    open_page(page, web_app.url + "/")
    web_app.script.turns = [500, text_turn("Recovered.")]
    ask(page, "Will this work?")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The model server answered HTTP 500.")
    alert.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    answer = page.locator("article.assistant")
    expect(answer).to_have_count(1)  # the failed attempt made way for the new one
    expect(answer.locator(".markdown")).to_have_text("Recovered.")
    assert web_app.script.requests[-1]["messages"][-1]["content"] == "Will this work?"


def test_options_persist_reach_the_model_and_are_keyboard_usable(
    web_app: WebApp, page: Page
) -> None:
    before = event_counts(web_app.settings, "filter_used")["filter_used"]
    open_page(page, web_app.url + "/")
    opener = page.get_by_role("button", name="Options")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Answer options")
    expect(dialog).to_be_visible()
    for _ in range(8):  # focus stays inside the modal dialog
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    opener.click()
    dialog.get_by_label(".NET version").select_option(".NET 9")
    dialog.get_by_label("AI library").select_option("Semantic Kernel")
    dialog.get_by_label("AI provider").select_option("Ollama")
    dialog.get_by_role("button", name="Save").click()
    chips = page.locator("#filter-chips .chip-label")
    expected = [".NET version: .NET 9", "AI library: Semantic Kernel", "AI provider: Ollama"]
    expect(chips).to_have_text(expected)

    page.reload()
    expect(chips).to_have_text(expected)
    web_app.script.turns = [text_turn("Use the Ollama connector.")]
    ask(page, "Which connector?")
    expect(page.locator("article.assistant .feedback")).to_be_visible()
    instructions = web_app.script.requests[-1]["messages"][0]["content"]
    chosen = {"dotnetVersion": ".NET 9", "aiLibrary": "Semantic Kernel", "aiProvider": "Ollama"}
    assert json.loads(instructions.rpartition("\n")[2]) == chosen

    page.get_by_role("button", name="Remove the AI provider option").click()
    expect(chips).to_have_count(2)
    stored = page.evaluate("localStorage.getItem('buddy.filters')")
    assert json.loads(stored) == {"dotnetVersion": ".NET 9", "aiLibrary": "Semantic Kernel"}
    # three set, one removed
    assert eventually(
        lambda: event_counts(web_app.settings, "filter_used")["filter_used"] == before + 4
    )


def test_model_output_is_rendered_inert(web_app: WebApp, page: Page) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    open_page(page, web_app.url + "/")
    web_app.script.turns = [
        text_turn(
            "Look <img src=x onerror=alert(1)> here.\n\n",
            "Click [x](javascript:alert(2)) or ",
            '<a href="javascript:alert(3)" onclick="alert(4)">y</a>',
            "<script>alert(5)</script>",
            '\n\n<div class="consent" style="color:red" onmouseover="alert(6)">styled</div>',
        )
    ]
    ask(page, "Show me something odd")
    answer = page.locator("article.assistant").last
    expect(answer.locator(".feedback")).to_be_visible()
    body = answer.locator(".markdown")
    expect(body).to_contain_text("<img src=x onerror=alert(1)>")  # shown as text
    for selector in ("img", "script", "div", "[onerror]", "[onclick]", "[style]", "[class]"):
        expect(body.locator(selector)).to_have_count(0)
    link = body.get_by_text("x", exact=True)
    expect(link).not_to_have_attribute("href", re.compile(".*"))
    link.click()
    body.hover()
    page.wait_for_timeout(200)
    assert dialogs == []
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0


def test_phone_width_pages_fit_the_screen(web_app: WebApp, context: BrowserContext) -> None:
    assert context.browser is not None
    phone = new_context(context.browser, phone=True)
    page = phone.new_page()
    problems = watch(page)
    try:
        open_page(page, web_app.url + "/")
        web_app.script.turns = answer_turns()
        ask(page, "How do I stream chat with IChatClient?")
        expect(page.locator("article.assistant .feedback")).to_be_visible()
        expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
        screenshot(page, "chat-phone")
        for view, loaded in (("chat", "article"), ("samples", ".card"), ("news", ".news-item")):
            page.get_by_role("link", name=view.title(), exact=True).click()
            expect(page.locator(f"[data-view={view}] {loaded}").first).to_be_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{view} scrolls sideways: {width}px"
    finally:
        phone.close()
    assert problems.messages == []


@pytest.fixture(scope="module")
def offline_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with no model: the offline answerer over a four-page knowledge base."""
    base = tmp_path_factory.mktemp("offline")
    settings = app_settings(base / "data", llm_provider="offline")
    run_async(ingest_tree(settings, write_tree(base)))
    with serve_in_thread(create_app(settings)) as url:
        yield url


def test_an_offline_answer_shows_one_list_of_sources(offline_url: str, page: Page) -> None:
    # The offline answer lists its sources in its text (the seed's page shows only the text);
    # our page does not list the same links again from the citation lines.
    open_page(page, offline_url + "/")
    ask(page, "How do I build an agent with a thread?")
    answer = page.locator("article.assistant").last
    expect(answer).to_have_attribute("aria-busy", "false")
    expect(answer.locator(".markdown")).to_contain_text("Sources")
    listed = answer.locator(".markdown li a")
    expect(listed.first).to_be_visible()
    hrefs = [link.get_attribute("href") for link in listed.all()]
    assert hrefs
    assert len(hrefs) == len(set(hrefs))
    expect(answer.get_by_role("region", name="Sources")).to_be_hidden()
    expect(answer.locator("a[data-external='citation']")).to_have_count(0)
    screenshot(page, "chat-offline-sources")
