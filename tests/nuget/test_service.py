"""The NuGet client and service against a fake v3 source on 127.0.0.1."""

from __future__ import annotations

import re
import time

import pytest

from buddy.errors import InvalidInputError, NotFoundError
from buddy.nuget.client import NuGetUnavailableError
from buddy.nuget.service import NuGetService
from buddy.nuget.text import package_text, search_text
from tests.fixtures.nuget_packages import ADVISORY, CHAT, VECTORS
from tests.fixtures.nuget_server import Mode, NuGetServerState
from tests.nuget.conftest import TIMEOUT

pytestmark = pytest.mark.anyio
Server = tuple[str, NuGetServerState]


async def test_search_reads_every_field_and_puts_trusted_packages_first(
    service: NuGetService, nuget: Server
) -> None:
    _, state = nuget
    results = await service.search("contoso chat", take=10)
    # The server ranks the community package first; all three ids hold every query word, so
    # the verified ones go first, in the server's order.
    ids = [p.id for p in results.packages]
    assert ids == [CHAT, "Contoso.Chat.Tool", "Contoso.AI.Chat.Community"]
    chat = results.packages[0]
    assert chat.version == "2.1.0"  # prerelease excluded by default
    assert chat.verified
    assert chat.authors == ["Contoso"]
    assert chat.owners == ["Microsoft"]
    assert chat.totalDownloads == 2_500_000
    assert chat.tags == ["chat", "ai", "llm"]
    assert chat.projectUrl == "https://github.com/contoso/ai-chat"
    assert chat.url == f"https://www.nuget.org/packages/{CHAT}/2.1.0"
    assert chat.install == f"dotnet add package {CHAT} --version 2.1.0"
    assert results.totalHits == 3
    assert state.count("/query-primary") == 1
    assert state.count("/query-secondary") == 0
    # An exact id outranks trust.
    exact = await service.search("contoso.ai.chat.community")
    assert exact.packages[0].id == "Contoso.AI.Chat.Community"
    assert state.count("/query-secondary") == 0


async def test_search_passes_paging_prerelease_and_package_type(service: NuGetService) -> None:
    pre = await service.search(CHAT, take=5, prerelease=True)
    assert (pre.packages[0].id, pre.packages[0].version) == (CHAT, "3.0.0-preview.1")
    second = await service.search("chat", skip=1, take=1)
    assert [p.id for p in second.packages] == [CHAT]
    tools = await service.search("chat", package_type="DotnetTool")
    assert [(p.id, p.packageTypes) for p in tools.packages] == [
        ("Contoso.Chat.Tool", ["DotnetTool"])
    ]


@pytest.mark.parametrize("mode", ["fail", "hang"])
async def test_search_falls_back_to_the_next_endpoint_within_the_timeout(
    service: NuGetService, nuget: Server, mode: Mode
) -> None:
    _, state = nuget
    state.primary = mode
    started = time.monotonic()
    results = await service.search("vectors")
    elapsed = time.monotonic() - started
    assert [p.id for p in results.packages] == [VECTORS]
    assert state.count("/query-primary") == 1
    assert state.count("/query-secondary") == 1
    assert elapsed < TIMEOUT + 0.5
    # The failed endpoint waits at the back of the line: the next search goes straight on.
    started = time.monotonic()
    await service.search("rag")
    assert time.monotonic() - started < 0.5
    assert state.count("/query-primary") == 1


async def test_every_search_endpoint_down_is_a_clear_error(
    service: NuGetService, nuget: Server
) -> None:
    _, state = nuget
    state.primary = state.secondary = "fail"
    with pytest.raises(NuGetUnavailableError) as caught:
        await service.search("chat")
    assert caught.value.status_code == 503
    assert "every search endpoint failed" in caught.value.detail
    # One retry round after a backoff: each endpoint was asked twice.
    assert (state.count("/query-primary"), state.count("/query-secondary")) == (2, 2)


async def test_the_cache_answers_repeated_searches_and_details(
    service: NuGetService, nuget: Server
) -> None:
    _, state = nuget
    first = await service.search("chat")
    before = len(state.requests)
    again = await service.search("  CHAT ")
    assert again == first
    assert len(state.requests) == before
    await service.package(CHAT)
    before = len(state.requests)
    await service.package(CHAT.lower())
    assert len(state.requests) == before


async def test_details_of_an_inline_registration(service: NuGetService, nuget: Server) -> None:
    _, state = nuget
    details = await service.package(CHAT)
    assert details.version == "2.1.0"  # newest listed stable: 3.0.0 is a preview, 2.0.0 unlisted
    assert details.license.kind == "expression"
    assert details.license.value == "MIT"
    assert details.readme.source == "readme"
    assert "GetResponseAsync" in details.readme.text
    assert details.install == f"dotnet add package {CHAT} --version 2.1.0"
    frameworks = {
        g.targetFramework: [d.id for d in g.dependencies] for g in details.dependencyGroups
    }
    assert frameworks == {
        "net8.0": ["Microsoft.Extensions.AI.Abstractions"],
        ".NETStandard2.0": ["Microsoft.Extensions.AI.Abstractions", "System.Text.Json"],
    }
    versions = {v.version: v for v in details.versions}
    assert [v.version for v in details.versions] == [
        "3.0.0-preview.1",
        "2.1.0",
        "2.0.0",
        "1.1.0",
        "1.0.0",
    ]
    assert not versions["2.0.0"].listed
    old = versions["1.0.0"].deprecation
    assert old is not None
    assert old.reasons == ["Legacy", "CriticalBugs"]
    assert old.alternatePackage is not None
    assert old.alternatePackage.id == "Contoso.AI.Chat.Core"
    [vulnerability] = versions["1.1.0"].vulnerabilities
    assert (vulnerability.severity, vulnerability.advisoryUrl) == ("High", ADVISORY)
    # The license is an expression and the README exists, so the nuspec was not needed.
    assert state.count("/flat/contoso.ai.chat/2.1.0/contoso.ai.chat.nuspec") == 0
    assert state.count("/reg-gz-semver2/") == 1


async def test_deprecation_and_vulnerability_surface_in_the_tool_text(
    service: NuGetService,
) -> None:
    deprecated = package_text(await service.package(CHAT, "1.0.0"))
    assert "DEPRECATED: Legacy, CriticalBugs (Replaced by the 2.x line.)" in deprecated
    assert "use Contoso.AI.Chat.Core instead" in deprecated
    assert f"https://www.nuget.org/packages/{CHAT}/1.0.0" in deprecated
    vulnerable = package_text(await service.package(CHAT, "1.1.0"))
    assert f"VULNERABLE: High severity, advisory {ADVISORY}" in vulnerable
    latest = package_text(await service.package(CHAT))
    assert "1.1.0 (vulnerable)" in latest
    assert "1.0.0 (deprecated)" in latest
    assert "2.0.0 (unlisted)" in latest
    assert f"Install: dotnet add package {CHAT} --version 2.1.0" in latest
    listing = search_text(await service.search("contoso chat"))
    assert f"{CHAT} 2.1.0 (verified, 2,500,000 downloads)" in listing


async def test_details_of_a_paged_registration_with_a_license_file(
    service: NuGetService, nuget: Server
) -> None:
    _, state = nuget
    details = await service.package(VECTORS)
    assert [v.version for v in details.versions] == ["2.0.1", "2.0.0", "1.2.0", "1.1.0", "1.0.0"]
    assert details.version == "2.0.1"
    assert state.count("/reg-gz-semver2/fabrikam.vectors/page/") == 2
    assert details.license.kind == "file"
    assert details.license.value == "LICENSE.txt"
    assert details.license.url == f"https://www.nuget.org/packages/{VECTORS}/2.0.1/license"
    assert details.readme.source == "nuspec"  # no README in the package: the description
    assert details.readme.text == "Vector search helpers for retrieval-augmented chat."


async def test_a_registration_hiccup_is_retried_once(service: NuGetService, nuget: Server) -> None:
    _, state = nuget
    state.registration_failures = 1
    details = await service.package(VECTORS, "1.1.0")
    assert details.version == "1.1.0"
    assert state.count("/reg-gz-semver2/fabrikam.vectors/index.json") == 2


async def test_a_registration_that_stays_down_is_unavailable(
    service: NuGetService, nuget: Server
) -> None:
    _, state = nuget
    state.registration_failures = 10
    with pytest.raises(NuGetUnavailableError, match="HTTP 503"):
        await service.package(CHAT)


async def test_unknown_packages_versions_and_bad_ids(service: NuGetService) -> None:
    with pytest.raises(NotFoundError, match=re.escape("no package 'Nope.Package'")):
        await service.package("Nope.Package")
    with pytest.raises(
        NotFoundError, match=re.escape("no version 9.9.9; the newest is 3.0.0-preview.1")
    ):
        await service.package(CHAT, "9.9.9")
    for bad in ("../etc/passwd", "a..b", "x" * 101, "has space", ""):
        with pytest.raises(InvalidInputError):
            await service.package(bad)
    with pytest.raises(InvalidInputError):
        await service.package(CHAT, "latest")
