"""Consent, the privacy page and magic keys in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from buddy.app import create_app
from buddy.auth.service import hash_key
from buddy.config import Settings
from buddy.storage.factory import opened_storage
from buddy.storage.records import MagicKey
from tests.fixtures.model_server import text_turn
from tests.fixtures.server import serve_in_thread
from tests.web.conftest import (
    WebApp,
    app_settings,
    eventually,
    new_context,
    open_page,
    run_async,
    watch,
)

PEPPER = "browser-test-pepper-0123456789"


def test_declined_consent_sends_no_telemetry_at_all(web_app: WebApp, page: Page) -> None:
    telemetry = web_app.requests
    before = telemetry["/api/telemetry"]
    sent_by_page: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent_by_page.append("/api/telemetry")
            if request.url.endswith("/api/telemetry")
            else None
        ),
    )
    open_page(page, web_app.url + "/", consent="Decline")
    expect(page.get_by_role("region", name="Privacy choice")).to_be_hidden()

    # Everything that reports an event when consent was given:
    page.get_by_role("button", name="Options").click()
    page.get_by_label("AI library").select_option("ML.NET")
    page.get_by_role("button", name="Save").click()
    web_app.script.turns = [text_turn("See [the docs](https://learn.microsoft.com/dotnet/ai).")]
    page.get_by_role("textbox", name="Your question").fill("What is ML.NET?")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Helpful", exact=True).click()
    expect(page.locator(".feedback-status")).to_have_text("Thanks, your feedback was recorded.")
    page.get_by_role("link", name="the docs").click()
    page.get_by_role("link", name="Samples").click()
    page.locator("#samples-list .card-open").first.click()
    page.keyboard.press("Escape")
    page.get_by_label("Search samples").fill("nothing at all like this")
    expect(page.locator("#samples-summary")).to_contain_text("No samples match")
    page.reload()
    expect(page.get_by_role("region", name="Privacy choice")).to_be_hidden()  # remembered
    assert telemetry["/api/telemetry"] == before
    assert sent_by_page == []

    # The control: the counter does see telemetry once consent is given from the footer.
    page.get_by_role("button", name="Privacy choices").click()
    banner = page.get_by_role("region", name="Privacy choice")
    expect(banner).to_contain_text("Your current choice: declined.")
    banner.get_by_role("button", name="Accept").click()
    expect(banner).to_be_hidden()
    page.wait_for_function("localStorage.getItem('buddy.consent') === 'accepted'")
    assert eventually(lambda: telemetry["/api/telemetry"] == before + 1)  # consent_changed
    assert sent_by_page == ["/api/telemetry"]


def test_privacy_page_says_what_is_collected(web_app: WebApp, page: Page) -> None:
    open_page(page, web_app.url + "/privacy", consent=None)
    expect(page.get_by_role("heading", name="Privacy", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("no IP addresses")
    banner = page.get_by_role("region", name="Privacy choice")
    banner.get_by_role("button", name="Decline").click()
    page.get_by_role("button", name="change my privacy choice").click()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("declined")


@dataclass(frozen=True)
class ProductionApp:
    url: str


async def _add_keys(settings: Settings) -> None:
    async with opened_storage(settings) as storage:
        now = datetime.now(UTC)
        await storage.keys.add_key(MagicKey("k1", hash_key("good-key", PEPPER), "ok", now))
        off = MagicKey("k2", hash_key("off-key", PEPPER), "off", now, enabled=False)
        await storage.keys.add_key(off)


@pytest.fixture(scope="module")
def production_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionApp]:
    """Production mode: chat needs a valid magic key; answers come from the offline answerer."""
    settings = app_settings(
        tmp_path_factory.mktemp("prod") / "data",
        environment="production",
        cors_origins="https://buddy.example.com",
        key_pepper=PEPPER,
        llm_provider="offline",
    )
    run_async(_add_keys(settings))
    with serve_in_thread(create_app(settings)) as url:
        yield ProductionApp(url)


def _ask_in_new_profile(browser: Browser, url: str) -> Page:
    context = new_context(browser)
    page = context.new_page()
    open_page(page, url)
    page.get_by_role("textbox", name="Your question").fill("How do I stream chat?")
    page.keyboard.press("Enter")
    return page


def test_magic_key_is_kept_hidden_from_the_url_and_sent(
    production_app: ProductionApp, browser: Browser
) -> None:
    context = new_context(browser)
    page = context.new_page()
    problems = watch(page)
    try:
        open_page(page, production_app.url + "/?key=good-key&utm=x#news")
        assert page.url == production_app.url + "/?utm=x#news"
        assert page.evaluate("localStorage.getItem('buddy.magicKey')") == "good-key"
        page.get_by_role("link", name="Chat", exact=True).click()
        page.get_by_role("textbox", name="Your question").fill("How do I stream chat?")
        with page.expect_request("**/api/chat") as request:
            page.keyboard.press("Enter")
        sent = request.value.post_data_json
        assert sent is not None
        assert sent["magic_key"] == "good-key"
        expect(page.locator("article.assistant .feedback")).to_be_visible()  # answered
        assert problems.messages == []
    finally:
        context.close()


def test_missing_or_invalid_key_is_explained(
    production_app: ProductionApp, browser: Browser
) -> None:
    missing = _ask_in_new_profile(browser, production_app.url + "/")
    invalid = _ask_in_new_profile(browser, production_app.url + "/?key=off-key")
    try:
        alert = missing.get_by_role("alert")
        expect(alert).to_contain_text("An access key is needed")
        expect(alert.get_by_role("button", name="Retry")).to_be_visible()
        alert = invalid.get_by_role("alert")
        expect(alert).to_contain_text("not valid")
        alert.get_by_role("button", name="Forget the saved key").click()
        assert invalid.evaluate("localStorage.getItem('buddy.magicKey')") is None
        alert.get_by_role("button", name="Retry").click()
        expect(invalid.get_by_role("alert")).to_contain_text("An access key is needed")
    finally:
        missing.context.close()
        invalid.context.close()
