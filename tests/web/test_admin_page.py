"""The insights page in a real browser: the admin key asked for once, the question lists, and a
group copied as an answer-eval case that `buddy eval answers` accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, expect

from buddy.app import create_app
from buddy.auth.service import create_key
from buddy.config import Settings
from buddy.demo import load_demo_content, load_demo_knowledge
from buddy.evaluation.cases import Case
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.storage.factory import opened_storage
from tests.fixtures.server import serve_in_thread
from tests.web.conftest import app_settings, new_context, run_async, screenshot, watch

PEPPER = "admin-page-test-pepper-0123456789"
QUESTIONS = (
    "How do I stream a chat response with IChatClient?",
    "how can I get the chat reply streamed using IChatClient",
    "What is the best pizza topping in Naples?",
)


@dataclass(frozen=True)
class AdminApp:
    url: str
    chat_key: str
    admin_key: str


async def _prepare(settings: Settings) -> tuple[str, str]:
    async with opened_storage(settings) as storage:
        await load_demo_content(storage)
        await load_demo_knowledge(storage, LocalEmbedder(), settings.data_dir / "cache")
        chat = await create_key(storage, settings, "chat")
        admin = await create_key(storage, settings, "ops", admin=True)
        return chat.key, admin.key


@pytest.fixture(scope="module")
def admin_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminApp]:
    settings = app_settings(
        tmp_path_factory.mktemp("admin") / "data",
        environment="production",
        cors_origins="https://buddy.example.com",
        key_pepper=PEPPER,
        demo_content=True,
    )
    chat_key, admin_key = run_async(_prepare(settings))
    with serve_in_thread(create_app(settings)) as url:
        for question in QUESTIONS:
            asked = httpx.post(
                f"{url}/api/chat",
                json={"message": question},
                headers={"X-Magic-Key": chat_key},
                timeout=60,
            )
            assert asked.status_code == 200
        yield AdminApp(url, chat_key, admin_key)


def test_the_page_asks_for_an_admin_key_then_shows_what_people_asked(
    admin_app: AdminApp, browser: Browser
) -> None:
    context = new_context(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(admin_app.url + "/admin")
        key_form = page.locator("#admin-key")
        expect(key_form).to_contain_text("needs an admin key")
        page.get_by_label("Admin key").fill(admin_app.chat_key)
        page.get_by_role("button", name="Use this key").click()
        expect(key_form).to_contain_text("may chat but not read insights")

        page.get_by_label("Admin key").fill(admin_app.admin_key)
        page.get_by_role("button", name="Use this key").click()
        expect(key_form).to_be_hidden()
        expect(page.locator('[data-counter="questions"]')).to_have_text("3")
        expect(page.locator('[data-counter="unanswered"]')).to_have_text("1")
        unanswered = page.locator("#list-unanswered li")
        expect(unanswered).to_have_count(1)
        expect(unanswered.first).to_contain_text(QUESTIONS[2])
        top = page.locator("#list-top li").first
        expect(top).to_contain_text("2\u00d7")
        expect(top).to_contain_text("Also asked as")
        expect(page.locator("#chart-daily svg rect.bar").first).to_be_attached()
        screenshot(page, "admin-insights")

        unanswered.first.get_by_role("button", name="Copy the eval case").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        case = Case.model_validate(json.loads(copied))  # the eval's own case format
        assert case.question == QUESTIONS[2]
        assert "nothing to cite" in case.rubric

        # Kept like the chat key: a reload needs no prompt.
        page.reload()
        expect(page.locator('[data-counter="questions"]')).to_have_text("3")
        expect(key_form).to_be_hidden()
        assert problems.messages == []
    finally:
        context.close()
