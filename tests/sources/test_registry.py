"""What `buddy sources add` accepts, and the clear error for what it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from buddy.errors import InvalidInputError
from buddy.sources.registry import (
    PRESETS,
    SourceExistsError,
    SourceNotFoundError,
    SourceSpec,
    add_preset,
    add_source,
    checked,
    remove_source,
)
from buddy.storage.base import Storage


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (SourceSpec("Bad Name", "git", "x"), "is not a source name"),
        (SourceSpec("a/b", "git", "x"), "is not a source name"),
        (SourceSpec("docs~1", "git", "x"), "is not a source name"),
        (SourceSpec("docs", "ftp", "ftp://x"), "is not a source kind"),
        (SourceSpec("docs", "folder", "/no/such/folder"), "is not a folder"),
        (SourceSpec("docs", "sitemap", "example.com/sitemap.xml"), "must be an http(s) URL"),
        (SourceSpec("docs", "website", "file:///etc"), "must be an http(s) URL"),
        (SourceSpec("docs", "git", ""), "must name a git repository"),
        (SourceSpec("docs", "git", "u", base_url="docs.example"), "--base-url must be"),
        (SourceSpec("docs", "git", "u", branch="main;rm"), "is not a branch name"),
        (SourceSpec("docs", "sitemap", "https://x", base_url="https://y"), "keep theirs"),
        (SourceSpec("docs", "website", "https://x", branch="main"), "for git sources only"),
        (SourceSpec("docs", "git", "u", root="../up"), "--root is a folder inside"),
        (SourceSpec("docs", "git", "u", include=("",)), "is not a usable glob"),
        (SourceSpec("docs", "git", "u", every_seconds=30), "at least 1 minute"),
        (SourceSpec("docs", "website", "https://x", max_pages=0), "--max-pages must be"),
        (SourceSpec("docs", "website", "https://x", max_depth=51), "--max-depth must be"),
        (SourceSpec("docs", "sitemap", "https://x/s.xml", max_depth=2), "--max-depth is for"),
    ],
)
def test_a_bad_source_is_refused_with_what_to_change(spec: SourceSpec, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        checked(spec)


def test_a_folder_location_is_stored_as_an_absolute_path(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    source = checked(SourceSpec("docs", "folder", str(tmp_path / "docs" / ".." / "docs")))
    assert source.location == str((tmp_path / "docs").resolve())


@pytest.mark.anyio
async def test_names_are_unique_and_the_preset_registers_once(store: Storage) -> None:
    await add_source(store, SourceSpec("docs", "git", "https://example.com/docs.git"))
    with pytest.raises(SourceExistsError, match="a source named 'docs' exists"):
        await add_source(store, SourceSpec("docs", "git", "https://example.com/other.git"))
    added, existing = await add_preset(store, "dotnet-ai")
    assert added == [spec.name for spec in PRESETS["dotnet-ai"]]
    assert existing == []
    assert await add_preset(store, "dotnet-ai") == ([], added)
    sk = await store.sources.get_source("semantic-kernel-docs")
    assert sk is not None
    assert (sk.root, sk.base_url) == (
        "semantic-kernel",
        "https://learn.microsoft.com/en-us/semantic-kernel",
    )
    with pytest.raises(InvalidInputError, match="is not a preset"):
        await add_preset(store, "python")
    with pytest.raises(SourceNotFoundError):
        await remove_source(store, "missing")
