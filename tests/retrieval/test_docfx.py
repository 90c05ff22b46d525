"""DocFX Markdown and HTML pages through the real parser and chunker (a small tree of our own)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from buddy.retrieval.chunking import ChunkingPolicy, chunk_units
from buddy.retrieval.sources import resolve_source
from buddy.storage.base import Storage
from tests.fixtures.stored_rows import page_chunks
from tests.retrieval.trees import write_tree

pytestmark = pytest.mark.anyio


def test_learn_urls_and_meta_files(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    source = resolve_source(str(root), tmp_path / "cache")
    relative = sorted(source.relative(path) for path in source.files)
    assert relative == [
        "guide/agents.md",
        "guide/html-page.html",
        "guide/index.md",
        "guide/legacy.md",
    ]
    assert source.microsoft_learn
    assert source.page_url("guide/agents.md") == "https://learn.microsoft.com/en-us/guide/agents"
    assert source.page_url("guide/index.md") == "https://learn.microsoft.com/en-us/guide"
    custom = resolve_source(str(root), tmp_path / "cache", base_url="https://docs.example/v1/")
    assert custom.page_url("guide/agents.md") == "https://docs.example/v1/guide/agents"


async def test_pages_are_parsed_with_front_matter_zones_includes_and_links(
    store: Storage, tmp_path: Path
) -> None:
    from buddy.retrieval.embedders.local import LocalEmbedder  # noqa: PLC0415
    from buddy.retrieval.ingest import ingest_docs  # noqa: PLC0415

    root = write_tree(tmp_path)
    source = resolve_source(str(root), tmp_path / "cache")
    report = await ingest_docs(store, LocalEmbedder(), source)
    assert (report.new, report.failed) == (4, [])
    chunks = await page_chunks(store, source.page_key("guide/agents.md"))
    assert {c.title for c in chunks} == {"Building agents in Contoso AI"}
    assert chunks[0].updated == datetime(2025, 3, 14, tzinfo=UTC)
    assert chunks[0].url == "https://learn.microsoft.com/en-us/guide/agents"
    by_language = {c.language: c for c in chunks}
    assert "ContosoAgent agent = new(" in by_language["csharp"].content
    assert "contoso_agent(" in by_language["python"].content
    full = "\n".join(c.content for c in chunks)
    assert "shared setup paragraph from the include" in full
    assert "**Note:**" in full
    assert "[!INCLUDE" not in full
    assert ":::code" not in full
    assert "(https://learn.microsoft.com/en-us/guide/legacy#history)" in full
    assert "agent-framework" in chunks[0].tags
    code = next(c for c in chunks if "```csharp" in c.content)
    assert code.content.count("```") % 2 == 0
    assert "var second = 2;" in code.content  # the blank line inside the block did not split it
    legacy = await page_chunks(store, source.page_key("guide/legacy.md"))
    assert legacy[0].updated is None  # placeholder MM/DD/YYYY ignored
    html = await page_chunks(store, source.page_key("guide/html-page.html"))
    assert html[0].title == "An HTML page"
    assert "```csharp" in html[0].content


def test_long_sections_split_with_overlap_and_code_stays_whole(tmp_path: Path) -> None:
    from buddy.retrieval.docfx import parse_markdown  # noqa: PLC0415

    paragraphs = "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(12))
    code = "```csharp\n" + "\n".join(f"var line{i} = {i};" for i in range(120)) + "\n```"
    text = f"---\ntitle: Long\n---\n# Long\n\n{paragraphs}\n\n{code}\n\nAfter the code.\n"
    page = parse_markdown(text, tmp_path / "long.md", tmp_path, str)
    chunks = chunk_units(
        page.units, ChunkingPolicy(max_chars=1000, min_chars=200, overlap_chars=400)
    )
    assert len(chunks) > 3
    assert all(len(c.text) <= 1000 or "```csharp" in c.text for c in chunks)
    [code_chunk] = [c for c in chunks if "```csharp" in c.text]
    assert "var line0 = 0;" in code_chunk.text
    assert "var line119 = 119;" in code_chunk.text
    first, second = chunks[0].text, chunks[1].text
    assert first.split("\n\n")[-1] == second.split("\n\n")[0]  # overlap carries a paragraph


def test_headings_keep_a_trailing_hash_and_nested_fences_stay_whole(tmp_path: Path) -> None:
    from buddy.retrieval.docfx import parse_markdown  # noqa: PLC0415

    text = (
        "# Using C#\n\n## F# and C# ##\n\nIntro.\n\n"
        "````markdown\nExample:\n\n```csharp\nvar x = 1;\n```\n````\n\nAfter.\n"
    )
    page = parse_markdown(text, tmp_path / "p.md", tmp_path, str)
    headings = [unit.text for unit in page.units if unit.heading_level]
    assert headings == ["# Using C#", "## F# and C#"]
    code = [unit for unit in page.units if unit.is_code]
    assert len(code) == 1
    assert "```csharp" in code[0].text
    assert code[0].text.endswith("````")


def test_big_tables_are_split_by_rows_with_their_header(tmp_path: Path) -> None:
    from buddy.retrieval.docfx import parse_markdown  # noqa: PLC0415

    rows = "\n".join(f"| Connector{i} | Package.Name{i} | supported |" for i in range(300))
    text = f"# Connectors\n\n| Name | Package | Status |\n|---|---|---|\n{rows}\n"
    page = parse_markdown(text, tmp_path / "t.md", tmp_path, str)
    chunks = chunk_units(page.units, ChunkingPolicy(max_chars=1500))
    assert len(chunks) > 5
    assert all(len(chunk.text) <= 1500 for chunk in chunks)
    header = "| Name | Package | Status |\n|---|---|---|"
    assert all(chunk.text.removeprefix("# Connectors\n\n").startswith(header) for chunk in chunks)
    joined = "\n".join(chunks[i].text for i in range(len(chunks)))
    assert all(f"Connector{i} |" in joined for i in range(300))


def test_includes_inside_code_blocks_stay_as_written(tmp_path: Path) -> None:
    from buddy.retrieval.docfx import parse_markdown  # noqa: PLC0415

    (tmp_path / "includes").mkdir()
    (tmp_path / "includes" / "setup.md").write_text("Install the SDK first.\n", encoding="utf-8")
    example = "[!INCLUDE [setup](includes/setup.md)]"
    text = (
        f"# Writing docs\n\n{example}\n\n"
        f"To reuse a paragraph, write:\n\n````markdown\n```\n{example}\n```\n````\n\n"
        f"~~~\n{example}\n~~~\n\nAfter the examples: {example}\n"
    )
    page = parse_markdown(text, tmp_path / "docs.md", tmp_path, str)
    prose = [unit.text for unit in page.units if not unit.is_code]
    code = [unit.text for unit in page.units if unit.is_code]
    assert "Install the SDK first." in prose
    assert "After the examples: Install the SDK first." in prose
    assert len(code) == 2
    assert all(example in block for block in code)
    assert code[0].startswith("````markdown\n```\n")  # a shorter inner fence does not close it
