"""`buddy ingest docs`: parse, chunk, embed and store pages; unchanged pages cost a hash."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import structlog

from buddy.htmltext import html_to_markdown
from buddy.retrieval.chunking import ChunkingPolicy, chunk_units
from buddy.retrieval.docfx import expand_includes, parse_markdown
from buddy.retrieval.embedders.base import Embedder
from buddy.retrieval.search import PREFERRED_LANGUAGES, verify_index
from buddy.retrieval.sources import DocSource, SourceError
from buddy.storage.base import Storage
from buddy.storage.records import Chunk, DocPage, IndexInfo
from buddy.taxonomy import Facet, facet_tags, tags_for_text

log = structlog.get_logger(__name__)

# Bump when parsing or chunking changes, so every page is ingested again.
PIPELINE_VERSION = "2"
_PAGES_PER_BATCH = 16


@dataclass
class DocsReport:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class _Prepared:
    page: DocPage
    chunks: list[Chunk]
    is_new: bool


def embedding_text(title: str, heading: str, content: str) -> str:
    """What the embedder sees for a chunk: where it sits, then what it says."""
    return f"{title}\n{heading}\n\n{content}"


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", errors="replace"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _read_page(path: Path, source: DocSource) -> str:
    """The page as Markdown with its includes inlined: what gets hashed and parsed."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in {".html", ".htm"}:
        title, body = html_to_markdown(raw)
        return f"---\ntitle: {json.dumps(title)}\n---\n{body}"
    return expand_includes(raw, path.parent, source.root)


def _prepare(
    path: Path, text: str, source: DocSource, policy: ChunkingPolicy, known: dict[str, str]
) -> _Prepared | None:
    relative = source.relative(path)
    key = source.page_key(relative)
    digest = _digest(PIPELINE_VERSION, repr(policy), text)
    if known.get(key) == digest:
        return None
    parsed = parse_markdown(
        text, path, source.root, lambda target: _link(target, path, source), includes_expanded=True
    )
    url = parsed.url or source.page_url(relative)
    page = DocPage(key, parsed.title, url, relative, digest, parsed.updated)
    page_tags = tags_for_text(parsed.title, relative, parsed.description)
    chunks = []
    for ordinal, piece in enumerate(chunk_units(parsed.units, policy)):
        found = facet_tags(tags_for_text(piece.heading, piece.text), Facet.LIBRARY, Facet.PROVIDER)
        chunks.append(
            Chunk(
                id=f"{key}#{ordinal}",
                page_key=key,
                ordinal=ordinal,
                title=parsed.title,
                heading=piece.heading,
                content=piece.text,
                url=url,
                source_path=relative,
                language=piece.language,
                tags=tuple(dict.fromkeys([*page_tags, *found])),
                updated=parsed.updated,
                text_hash=_digest(embedding_text(parsed.title, piece.heading, piece.text)),
            )
        )
    return _Prepared(page, chunks, key not in known)


def _link(target: str, page: Path, source: DocSource) -> str:
    """Relative links between pages become the linked page's public URL."""
    if "://" in target or target.startswith(("#", "mailto:")):
        return target
    path_part, _, anchor = target.partition("#")
    resolved = (page.parent / path_part.replace("\\", "/")).resolve()
    if not resolved.is_relative_to(source.root):
        return target
    url = source.page_url(resolved.relative_to(source.root).as_posix())
    return (url + (f"#{anchor}" if anchor else "")) if url else target


async def _embed(storage: Storage, embedder: Embedder, prepared: list[_Prepared]) -> None:
    """Fill in vectors, reusing stored ones for text that was embedded before.

    Chunks in languages other than C# (and language-neutral prose) are kept for keyword
    search only: our readers write C#, and embedding them would double the ingest time.
    """
    chunks = [
        chunk for item in prepared for chunk in item.chunks if chunk.language in PREFERRED_LANGUAGES
    ]
    stored = await storage.chunks.vectors_by_text_hash([c.text_hash for c in chunks])
    reused = {key: vector for key, vector in stored.items() if any(vector)}
    missing = {c.text_hash: c for c in chunks if c.text_hash not in reused}
    if missing:
        texts = [embedding_text(c.title, c.heading, c.content) for c in missing.values()]
        matrix = await embedder.embed(texts)
        reused.update(
            (text_hash, tuple(float(x) for x in row))
            for text_hash, row in zip(missing, matrix, strict=True)
        )
    keyword_only = (0.0,) * embedder.dimension
    for item in prepared:
        item.chunks[:] = [
            replace(
                c,
                vector=reused[c.text_hash] if c.language in PREFERRED_LANGUAGES else keyword_only,
            )
            for c in item.chunks
        ]


async def ingest_docs(
    storage: Storage,
    embedder: Embedder,
    source: DocSource,
    *,
    prune: bool = False,
    policy: ChunkingPolicy | None = None,
    on_page: Callable[[str], None] | None = None,
) -> DocsReport:
    """Bring the store in line with `source`; each page is replaced in one transaction.

    Parsing, embedding and writing run as a pipeline, each on the next batch of pages, so
    the cores the embedder leaves idle between its batches parse and write.
    """
    policy = policy or ChunkingPolicy()
    if prune and source.single_file:
        raise SourceError("--prune needs a folder or repository, not a single file")
    started = time.perf_counter()
    await verify_index(storage, embedder, record=True)
    known = await storage.chunks.page_hashes()
    report = DocsReport()
    seen: set[str] = set()
    # Two batches waiting per stage keep the embedder fed without holding the whole run.
    parsed: asyncio.Queue[_Batch | None] = asyncio.Queue(maxsize=2)
    embedded: asyncio.Queue[_Batch | None] = asyncio.Queue(maxsize=2)

    async def parse() -> None:
        for start in range(0, len(source.files), _PAGES_PER_BATCH):
            batch = source.files[start : start + _PAGES_PER_BATCH]
            prepared = await asyncio.to_thread(
                _prepare_batch, batch, source, policy, known, (seen, report)
            )
            await parsed.put(_Batch(batch, prepared))
        await parsed.put(None)

    async def embed() -> None:
        while (item := await parsed.get()) is not None:
            if item.prepared:
                await _embed(storage, embedder, item.prepared)
            await embedded.put(item)
        await embedded.put(None)

    try:
        # A failing stage cancels the others instead of leaving them waiting on a queue.
        async with asyncio.TaskGroup() as stages:
            stages.create_task(parse())
            stages.create_task(embed())
            while (item := await embedded.get()) is not None:
                await _store(storage, item.prepared, report)
                if on_page is not None:
                    for path in item.paths:
                        on_page(source.relative(path))
    except ExceptionGroup as failed:
        # Callers handle the stage's own error (the store's, the embedder's), not a group.
        raise failed.exceptions[0] from None
    if prune:
        prefix = source.page_key("")
        gone = [key for key in known if key.startswith(prefix) and key not in seen]
        report.removed = await storage.chunks.delete_pages(gone)
    report.seconds = time.perf_counter() - started
    log.info("docs_ingested", source=source.name, new=report.new, changed=report.changed)
    return report


@dataclass(frozen=True)
class _Batch:
    paths: Sequence[Path]
    prepared: list[_Prepared]


async def _store(storage: Storage, prepared: list[_Prepared], report: DocsReport) -> None:
    for item in prepared:
        await storage.chunks.replace_page(item.page, item.chunks)
        report.chunks += len(item.chunks)
        if item.is_new:
            report.new += 1
        else:
            report.changed += 1


def _prepare_batch(
    batch: Sequence[Path],
    source: DocSource,
    policy: ChunkingPolicy,
    known: dict[str, str],
    progress: tuple[set[str], DocsReport],
) -> list[_Prepared]:
    seen, report = progress
    prepared: list[_Prepared] = []
    for path in batch:
        relative = source.relative(path)
        seen.add(source.page_key(relative))
        try:
            text = _read_page(path, source)
            item = _prepare(path, text, source, policy, known)
        except Exception as exc:
            report.failed.append((relative, f"{type(exc).__name__}: {str(exc)[:200]}"))
            continue
        if item is None:
            report.unchanged += 1
        else:
            prepared.append(item)
    return prepared


async def reindex(
    storage: Storage, embedder: Embedder, on_page: Callable[[str], None] | None = None
) -> int:
    """Re-embed every stored chunk with `embedder` and record it as the index's model."""
    pages = await storage.chunks.page_hashes()
    keyword_only = (0.0,) * embedder.dimension
    for key, digest in pages.items():
        chunks = (await storage.chunks.chunks_of_pages([key])).get(key, [])
        if chunks:
            embeddable = [c for c in chunks if c.language in PREFERRED_LANGUAGES]
            matrix = await embedder.embed(
                [embedding_text(c.title, c.heading, c.content) for c in embeddable]
            )
            vectors = {
                c.id: tuple(float(x) for x in row)
                for c, row in zip(embeddable, matrix, strict=True)
            }
            first = chunks[0]
            page = DocPage(key, first.title, first.url, first.source_path, digest, first.updated)
            renewed = [replace(c, vector=vectors.get(c.id, keyword_only)) for c in chunks]
            await storage.chunks.replace_page(page, renewed)
        if on_page is not None:
            on_page(key)
    await storage.chunks.set_index_info(IndexInfo(embedder.name, embedder.dimension))
    return len(pages)
