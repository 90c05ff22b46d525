"""HTML pages in the knowledge base: what turning a page into Markdown costs, alone and as a
share of ingesting it (parse, chunk, embed, store).

The pages are the shared corpus's Markdown rendered to HTML (markdown-it) inside a site's
header, navigation and footer, so they carry the headings, tables and fenced code of real
documentation pages. Nothing is lifted: the real converter, embedder and SQLite store.

Run: .venv/bin/python -m benchmarks.html_pages [--pages 80]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import tempfile
import time
from pathlib import Path

from markdown_it import MarkdownIt

from benchmarks.harness import header
from benchmarks.knowledge import DEFAULT_CORPUS
from buddy.config import Settings
from buddy.htmltext import html_to_markdown
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.retrieval.ingest import ingest_docs
from buddy.retrieval.sources import resolve_source
from buddy.storage.factory import opened_storage

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_TITLE = re.compile(r"^title:\s*(.+)$", re.M)
_SITE = (
    "<!doctype html><html><head><title>{title}</title></head><body>"
    '<header><a href="/">Docs home</a> <input placeholder="Search"></header>'
    '<nav><ul><li><a href="/a">Overview</a></li><li><a href="/b">Agents</a></li></ul></nav>'
    "<main>{body}</main><footer>Privacy · Terms · © Contoso</footer></body></html>"
)


def html_pages(corpus: Path, count: int) -> list[tuple[str, str]]:
    """(name, page) for the first `count` Markdown pages of the corpus, rendered to HTML."""
    renderer = MarkdownIt("commonmark").enable("table")
    pages = []
    for path in sorted(corpus.rglob("*.md"))[:count]:
        text = path.read_text(encoding="utf-8", errors="replace")
        front = _FRONT_MATTER.match(text)
        found = _TITLE.search(front.group(0)) if front else None
        title = found.group(1).strip("'\" ") if found else path.stem
        body = renderer.render(_FRONT_MATTER.sub("", text))
        name = path.relative_to(corpus).with_suffix(".html").as_posix().replace("/", "--")
        pages.append((name, _SITE.format(title=html.escape(title), body=body)))
    return pages


def convert_all(pages: list[tuple[str, str]], rounds: int = 5) -> float:
    """Best seconds over `rounds` for converting every page once."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _, page in pages:
            html_to_markdown(page)
        best = min(best, time.perf_counter() - started)
    return best


async def ingest_seconds(root: Path, data_dir: Path) -> tuple[float, int]:
    settings = Settings(_env_file=None, data_dir=data_dir, log_level="ERROR")
    async with opened_storage(settings) as storage:
        source = resolve_source(str(root), data_dir / "cache")
        started = time.perf_counter()
        report = await ingest_docs(storage, LocalEmbedder(), source)
        elapsed = time.perf_counter() - started
    if report.failed:
        raise SystemExit(f"ingest failed on {len(report.failed)} pages: {report.failed[:3]}")
    return elapsed, report.chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pages", type=int, default=80)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found at {args.corpus}")
    header("HTML pages: conversion to Markdown, alone and within ingest")
    pages = html_pages(args.corpus, args.pages)
    size = sum(len(page) for _, page in pages)
    convert = convert_all(pages)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "site"
        root.mkdir()
        for name, page in pages:
            (root / name).write_text(page, encoding="utf-8")
        ingest, chunks = asyncio.run(ingest_seconds(root, Path(scratch) / "data"))
    print(f"pages: {len(pages)} ({size / 1024:.0f} KiB of HTML), chunks: {chunks}")
    print(f"convert: {convert * 1000 / len(pages):.2f} ms/page ({size / convert / 1e6:.1f} MB/s)")
    print(f"ingest: {ingest:.1f} s ({len(pages) / ingest:.1f} pages/s)")
    print(f"ratio convert/ingest: {convert / ingest:.3f}")


if __name__ == "__main__":
    main()
