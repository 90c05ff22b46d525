"""Catalog files: JSON and YAML, errors that point at the line and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buddy.samples.catalog import CatalogError, load_catalog

GOOD = {
    "id": "mea-chat",
    "title": "Chat with IChatClient",
    "description": "A console app that streams a chat answer.",
    "preview": "Streams tokens.",
    "author": "Microsoft",
    "authorUrl": "https://github.com/microsoft",
    "source": "https://github.com/dotnet/ai-samples",
    "tags": ["microsoft-extensions-ai", "chat"],
}


def write_json(tmp_path: Path, entries: object) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(entries, indent=2))
    return path


def test_json_and_yaml_catalogs_load(tmp_path: Path) -> None:
    from_json = load_catalog(write_json(tmp_path, {"samples": [GOOD]}))
    yaml_path = tmp_path / "catalog.yaml"
    yaml_path.write_text(
        "- id: mea-chat\n  title: Chat with IChatClient\n"
        "  description: A console app that streams a chat answer.\n  preview: Streams tokens.\n"
        "  author: Microsoft\n  authorUrl: https://github.com/microsoft\n"
        "  source: https://github.com/dotnet/ai-samples\n"
        "  tags: [microsoft-extensions-ai, chat]\n"
    )
    assert from_json == load_catalog(yaml_path)
    assert from_json[0].author_url == "https://github.com/microsoft"


def test_missing_field_names_line_entry_and_field(tmp_path: Path) -> None:
    broken = {key: value for key, value in GOOD.items() if key != "title"} | {"id": "second"}
    path = write_json(tmp_path, [GOOD, broken])
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    # Entry two opens on line 15 of the indented JSON.
    assert caught.value.detail == (
        f"{path}:15: sample 2 (id 'second'): field 'title': Field required"
    )


def test_bad_url_points_at_its_line(tmp_path: Path) -> None:
    path = write_json(tmp_path, [GOOD | {"source": "not a url"}])
    with pytest.raises(CatalogError, match=r"catalog.json:9: sample 1 \(id 'mea-chat'\): field"):
        load_catalog(path)


def test_duplicate_ids_and_bad_syntax(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="duplicate id 'mea-chat'"):
        load_catalog(write_json(tmp_path, [GOOD, GOOD]))
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"id": "x",\n  oops\n]')
    with pytest.raises(CatalogError, match=r"bad.json:3: not valid JSON"):
        load_catalog(bad)
    with pytest.raises(CatalogError, match="expected a list of samples"):
        load_catalog(write_json(tmp_path, {"items": []}))
