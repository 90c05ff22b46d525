"""Browser tests: the real app under uvicorn with the scripted model server, driven through
Debian's chromium by Playwright (which never downloads a browser of its own here)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    sync_playwright,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from buddy.app import create_app
from buddy.config import Settings
from buddy.demo import load_demo_content
from buddy.storage.factory import opened_storage
from buddy.storage.records import Feedback
from tests.fixtures.model_server import Script, model_server
from tests.fixtures.server import serve_in_thread
from tests.fixtures.stored_rows import sqlite_event_count

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialing Google's hosts, which this
# machine's closed network refuses; the rest keep a root, GPU-less headless run quiet.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
T = TypeVar("T")
_NOT_LOCAL = re.compile(r"^(?!https?://127\.0\.0\.1[:/])")


@dataclass
class RequestCounter:
    """The real app, wrapped to count the requests that reach it, by path."""

    app: ASGIApp
    counts: Counter[str] = field(default_factory=Counter)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.counts[scope["path"]] += 1
        await self.app(scope, receive, send)


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end from test code. Playwright's sync API keeps an event loop
    running in this thread, so asyncio.run gets a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def app_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for an app under test: quiet logs, no MCP (its default URL is on the internet),
    no demo content unless asked (embedding the demo knowledge delays shutdown by seconds)."""
    values: dict[str, Any] = {"log_level": "WARNING", "mcp_url": "", "demo_content": False}
    return Settings(_env_file=None, data_dir=data_dir, **(values | overrides))


@dataclass(frozen=True)
class WebApp:
    url: str
    script: Script
    settings: Settings
    requests: Counter[str]


async def _load_demo(settings: Settings) -> None:
    async with opened_storage(settings) as storage:
        await load_demo_content(storage)


@pytest.fixture(scope="package")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """One app for the browser tests: demo samples and news, chat through the model script."""
    with model_server() as (model_url, script):
        settings = app_settings(
            tmp_path_factory.mktemp("web") / "data",
            llm_provider="openai-compatible",
            openai_base_url=model_url,
            chat_model="scripted",
            llm_max_retries=0,
            llm_stall_seconds=20,
        )
        # Demo samples and news, loaded here without the demo knowledge base.
        run_async(_load_demo(settings))
        counter = RequestCounter(create_app(settings))
        with serve_in_thread(counter) as url:
            yield WebApp(url, script, settings, counter.counts)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            "BROWSER TESTS SKIPPED: Debian's chromium is not at /usr/bin/chromium and "
            "scripts/ensure_chromium.sh (run by `make install-dev`) could not install it"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class PageProblems:
    """What went wrong inside the page: script errors and blocked content (CSP)."""

    messages: list[str] = field(default_factory=list)


def new_context(browser: Browser, *, phone: bool = False) -> BrowserContext:
    """A fresh profile (empty localStorage) that can reach 127.0.0.1 only."""
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone
    )
    context.route(_NOT_LOCAL, lambda route: route.abort())
    return context


def watch(page: Page) -> PageProblems:
    problems = PageProblems()
    page.on("pageerror", lambda error: problems.messages.append(f"page error: {error}"))

    def console(message: ConsoleMessage) -> None:
        # Refused requests (401/403 on purpose, blocked outside hosts) are logged as
        # "Failed to load resource"; anything else the console calls an error is a fault.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.messages.append(f"console: {message.text}")

    page.on("console", console)
    return problems


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page whose script errors and CSP violations fail the test."""
    page = context.new_page()
    problems = watch(page)
    yield page
    assert problems.messages == []


def open_page(page: Page, url: str, *, consent: str | None = "Accept") -> None:
    """Open a page of the app and answer the first-visit consent banner."""
    page.goto(url)
    if consent is not None:
        banner = page.get_by_role("region", name="Privacy choice")
        banner.get_by_role("button", name=consent).click()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll until `check()` holds: telemetry is sent in the background, after the click."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def event_counts(settings: Settings, *types: str) -> dict[str, int]:
    """Stored telemetry events of each type (read from the SQLite file the app writes)."""
    return {kind: sqlite_event_count(settings.sqlite_path, kind) for kind in types}


async def _feedback(settings: Settings, span_id: str) -> list[Feedback]:
    async with opened_storage(settings) as storage:
        votes = await storage.feedback.list_feedback()
    return [vote for vote in votes if vote.span_id == span_id]


def stored_feedback(settings: Settings, span_id: str) -> list[Feedback]:
    return run_async(_feedback(settings, span_id))
