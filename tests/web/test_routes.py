"""The page's documents, files and option list over HTTP, and the rules its files follow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from buddy.app import create_app
from buddy.chat.schemas import ChatFilters
from buddy.chat.service import filter_tags
from buddy.taxonomy import BY_SLUG, Facet, slug_for
from buddy.web.assets import STATIC_DIR
from tests.fixtures.server import serve_in_thread
from tests.web.conftest import app_settings

ROOT = Path(__file__).resolve().parents[2]
VENDOR = STATIC_DIR / "vendor"
ONE_MIB = 1024 * 1024


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = app_settings(tmp_path_factory.mktemp("routes") / "data")
    with serve_in_thread(create_app(settings)) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "title"),
    [("/", "C# AI Buddy"), ("/privacy", "Privacy"), ("/share/any-token", "Shared conversation")],
)
def test_documents_carry_a_strict_policy(app_url: str, path: str, title: str) -> None:
    response = httpx.get(app_url + path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{title}" in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_static_files_are_served_with_their_types(app_url: str) -> None:
    script = httpx.get(app_url + "/static/js/main.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "text/css" in httpx.get(app_url + "/static/css/app.css").headers["content-type"]
    missing = httpx.get(app_url + "/static/js/nothing.js")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert httpx.get(app_url + "/static/../../config.py").status_code == 404


def test_options_are_values_the_chat_understands(app_url: str) -> None:
    response = httpx.get(app_url + "/api/options")
    assert response.status_code == 200
    body = response.json()
    facets = {
        "dotnetVersion": Facet.DOTNET,
        "aiLibrary": Facet.LIBRARY,
        "aiProvider": Facet.PROVIDER,
    }
    assert [f["name"] for f in body["filters"]] == list(facets)
    for option in body["filters"]:
        assert option["values"], option["name"]
        for value in option["values"]:
            assert slug_for(value, facets[option["name"]]) is not None, value
            ChatFilters.model_validate({option["name"]: value})  # fits the request schema
    libraries = body["filters"][1]["values"]
    assert filter_tags(ChatFilters(aiLibrary="Semantic Kernel")) == ["semantic-kernel"]
    assert "Semantic Kernel" in libraries
    assert body["tags"] == {slug: tag.label for slug, tag in BY_SLUG.items()}


def _files(suffix: str) -> list[Path]:
    return sorted(STATIC_DIR.rglob(f"*{suffix}"))


def test_documents_have_no_inline_script_style_or_handlers() -> None:
    for document in _files(".html"):
        html = document.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), document.name
        assert not re.search(r"<style\b", html), document.name
        assert not re.search(r"\sstyle=", html), document.name
        assert not re.search(r"\son[a-z]+=", html), document.name
        assert not re.search(r"(src|href)=\"(https?:)?//", html), f"{document.name} loads a CDN"


def test_scripts_import_only_files_that_are_there() -> None:
    pattern = re.compile(r"""(?:from|import)\s*\(?\s*['"]([^'"]+)['"]""")
    for script in _files(".js"):
        if VENDOR in script.parents:
            continue
        source = script.read_text()
        for specifier in pattern.findall(source):
            assert specifier.startswith("."), f"{script.name}: {specifier} is not a local file"
            assert (script.parent / specifier).resolve().is_file(), f"{script.name}: {specifier}"
        # Only the sanitising renderer may write HTML; everything else builds nodes.
        if script.name != "markdown.js":
            assert "innerHTML" not in source, script.name
            assert "insertAdjacentHTML" not in source, script.name


def test_every_file_is_small_and_every_library_has_its_license() -> None:
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            assert path.stat().st_size < ONE_MIB, path
    for library in ("marked", "dompurify", "highlight"):
        assert (VENDOR / library / "LICENSE").is_file(), library
    script = (ROOT / "scripts" / "vendor_web.sh").read_text()
    pins = dict(re.findall(r"^([A-Z]+)=(\S+)$", script, re.MULTILINE))
    versions = (VENDOR / "VERSIONS").read_text()
    assert f"marked {pins['MARKED']} " in versions
    assert f"dompurify {pins['DOMPURIFY']} " in versions
    assert f"@highlightjs/cdn-assets {pins['HIGHLIGHT']} " in versions
    assert f"marked v{pins['MARKED']}" in (VENDOR / "marked" / "marked.esm.js").read_text()
