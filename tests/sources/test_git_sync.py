"""Git sources over real file:// remotes: only what changed between syncs is ingested, removed
and renamed files take their pages with them, and a lost history falls back to hashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from buddy.services import Services
from buddy.sources.registry import SourceSpec, add_source
from tests.sources.git_repo import Remote, page
from tests.sources.syncing import counts, sync

pytestmark = pytest.mark.anyio


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    made = Remote(tmp_path / "remote")
    made.commit(
        "first",
        {
            "README.md": "# The repository\n",
            "docs/agents.md": page("Agents", "A ChatCompletionAgent answers with a kernel."),
            "docs/plugins.md": page("Plugins", "A plugin groups KernelFunction methods."),
            "docs/memory.md": page("Memory", "Vector stores keep embeddings for retrieval."),
            "docs/old/legacy.md": page("Legacy planners", "Planners were replaced."),
            "docs/includes/note.md": "Shared note about preview packages.\n",
            "samples/readme.md": page("Samples", "Outside the docs root."),
        },
    )
    return made


async def stored_keys(services: Services) -> list[str]:
    return sorted(key for key in await services.storage.chunks.page_hashes())


async def test_changes_between_syncs_touch_only_the_pages_that_changed(
    services: Services, remote: Remote
) -> None:
    await add_source(
        services.storage,
        SourceSpec(
            "team-docs",
            "git",
            remote.url,
            branch="main",
            root="docs",
            exclude=("old/**",),
            base_url="https://docs.example.com/team",
        ),
    )
    assert counts(await sync(services, "team-docs")) == (3, 0, 0, 0, 0)
    assert await stored_keys(services) == [
        "team-docs/agents.md",
        "team-docs/memory.md",
        "team-docs/plugins.md",
    ]
    chunk = (await services.storage.chunks.chunks_of_pages(["team-docs/agents.md"]))[
        "team-docs/agents.md"
    ][0]
    assert chunk.url == "https://docs.example.com/team/agents"

    assert counts(await sync(services, "team-docs")) == (0, 0, 0, 3, 0)

    remote.rename("docs/memory.md", "docs/concepts/vector-stores.md")
    remote.commit(
        "change, add, delete, rename",
        {
            "docs/agents.md": page("Agents", "A ChatCompletionAgent streams with InvokeAsync."),
            "docs/plugins.md": None,
            "docs/filters.md": page("Filters", "IFunctionInvocationFilter wraps every call."),
            "samples/readme.md": page("Samples", "Changed outside the root: not ours."),
        },
    )
    assert counts(await sync(services, "team-docs")) == (2, 1, 2, 0, 0)
    assert await stored_keys(services) == [
        "team-docs/agents.md",
        "team-docs/concepts/vector-stores.md",
        "team-docs/filters.md",
    ]
    hits = await services.kb.search("IFunctionInvocationFilter wraps calls", k=3)
    assert hits[0].page_key == "team-docs/filters.md"
    agents = await services.storage.chunks.chunks_of_pages(["team-docs/agents.md"])
    assert "InvokeAsync" in agents["team-docs/agents.md"][0].content
    listed = await services.storage.sources.get_source("team-docs")
    assert listed is not None
    assert (listed.pages, listed.last_error) == (3, "")
    assert listed.chunks == await services.storage.chunks.count_chunks()


async def test_a_changed_include_and_a_rewritten_history_compare_every_page(
    services: Services, remote: Remote
) -> None:
    remote.commit(
        "include",
        {"docs/agents.md": page("Agents", "Agents.\n\n[!INCLUDE [note](includes/note.md)]")},
    )
    await add_source(services.storage, SourceSpec("docs", "git", remote.url, root="docs"))
    assert counts(await sync(services, "docs")) == (4, 0, 0, 0, 0)
    remote.commit("note", {"docs/includes/note.md": "Preview packages need --prerelease.\n"})
    # The page that inlines the fragment changed, though its own file did not.
    assert counts(await sync(services, "docs")) == (0, 1, 0, 3, 0)
    agents = await services.storage.chunks.chunks_of_pages(["docs/agents.md"])
    assert "--prerelease" in agents["docs/agents.md"][0].content

    remote.rewrite_history(
        "squashed",
        {
            "docs/agents.md": page("Agents", "Rewritten history, new agents text."),
            "docs/memory.md": page("Memory", "Vector stores keep embeddings for retrieval."),
        },
    )
    # A fresh instance has no copy of the old commit: it compares every page by its hash.
    shutil.rmtree(services.settings.data_dir / "cache" / "sources" / "docs")
    assert counts(await sync(services, "docs")) == (0, 1, 2, 1, 0)
    assert await stored_keys(services) == ["docs/agents.md", "docs/memory.md"]
