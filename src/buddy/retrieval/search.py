"""Hybrid search: dense vectors + keyword, fused with weights chosen on the retrieval eval,
filtered inside both searches, merged per page, C# preferred over other languages."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from buddy.errors import BuddyError
from buddy.observability import tracer
from buddy.retrieval.dense import DenseIndex
from buddy.retrieval.embedders.base import Embedder
from buddy.storage.base import Storage
from buddy.storage.records import Chunk, IndexInfo

log = structlog.get_logger(__name__)

# Languages that never get the other-language penalty: C# and language-neutral prose.
PREFERRED_LANGUAGES = ("csharp", "")


class ReindexRequiredError(BuddyError):
    status_code = 409
    code = "reindex_required"


@dataclass(frozen=True)
class FusionWeights:
    """Chosen with evals/sweep_fusion.py on evals/retrieval/sk-docs.jsonl (see README):
    either signal alone loses about 0.07 recall@5 against the blend."""

    dense: float = 0.6
    keyword: float = 0.4
    other_language_penalty: float = 0.85
    candidates: int = 60
    rrf_k: int = 0  # above 0: reciprocal-rank fusion with this constant, not the min-max blend


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    source_path: str
    heading: str
    score: float
    text: str  # the best chunk merged with neighbouring hits of the same page
    language: str
    tags: tuple[str, ...]
    page_key: str
    similarity: float = 0.0  # raw cosine of the best chunk: an absolute relevance signal

    @property
    def snippet(self) -> str:
        flat = " ".join(self.text.split())
        return flat if len(flat) <= 300 else flat[:297].rsplit(" ", 1)[0] + "…"


def retrieval_attributes(hits: Sequence[SearchHit], tags: Sequence[str]) -> dict[str, Any]:
    """OpenInference's retriever conventions: each document with its id, score and text."""
    attributes: dict[str, Any] = {"retrieval.results": len(hits), "retrieval.tags": list(tags)}
    for position, hit in enumerate(hits):
        prefix = f"retrieval.documents.{position}.document"
        attributes[f"{prefix}.id"] = hit.url or hit.page_key
        attributes[f"{prefix}.score"] = round(hit.score, 4)
        attributes[f"{prefix}.content"] = hit.snippet
        attributes[f"{prefix}.metadata"] = json.dumps({"title": hit.title, "heading": hit.heading})
    return attributes


@dataclass(frozen=True)
class _DenseHit:
    chunk_id: str
    page_key: str
    language: str
    score: float  # cosine similarity


@dataclass
class _Candidate:
    chunk_id: str
    page_key: str
    dense: float = 0.0
    keyword: float = 0.0
    language: str = ""
    fused: float = 0.0
    similarity: float = 0.0


def _rrf(values: dict[str, float], k: int) -> dict[str, float]:
    """Reciprocal rank, scaled so the first place scores 1 like the min-max blend's best."""
    ranked = sorted(values, key=lambda key: -values[key])
    return {key: (k + 1) / (k + 1 + rank) for rank, key in enumerate(ranked)}


def _min_max(values: dict[str, float]) -> dict[str, float]:
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    span = high - low
    return {key: (value - low) / span if span > 0 else 1.0 for key, value in values.items()}


async def verify_index(storage: Storage, embedder: Embedder, *, record: bool = False) -> None:
    """Refuse to mix vectors of two models; with `record`, note the model on an empty index."""
    expected = IndexInfo(embedder.name, embedder.dimension)
    current = await storage.chunks.index_info()
    if current == expected:
        return
    if current is not None and await storage.chunks.count_chunks():
        msg = (
            f"The knowledge base was built with {current.model} ({current.dimension}-d) but the "
            f"configured embedder is {expected.model} ({expected.dimension}-d). "
            "Run `buddy reindex` to rebuild it with the configured embedder."
        )
        raise ReindexRequiredError(msg)
    if record:
        await storage.chunks.set_index_info(expected)


class KnowledgeBase:
    """The search service the chat tool, the offline answerer and the CLI share."""

    def __init__(
        self,
        storage: Storage,
        embedder: Embedder,
        weights: FusionWeights | None = None,
        recheck_seconds: float = 2.0,
    ) -> None:
        self._storage = storage
        self._embedder = embedder
        self.weights = weights or FusionWeights()
        self._recheck_seconds = recheck_seconds
        self._index: DenseIndex | None = None
        self._version = -1
        self._checked_at = float("-inf")
        self._reload = asyncio.Lock()

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    async def health(self) -> tuple[bool, str]:
        """(usable, one line for /health)."""
        try:
            await verify_index(self._storage, self._embedder)
        except ReindexRequiredError as exc:
            return False, exc.detail
        chunks = await self._storage.chunks.count_chunks()
        return True, f"{chunks} chunks, embeddings by {self._embedder.name}"

    async def _current_index(self) -> DenseIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < self._recheck_seconds:
            return self._index
        version = await self._storage.chunks.chunks_version()
        self._checked_at = now
        if self._index is None or version != self._version:
            async with self._reload:
                if self._index is None or version != self._version:
                    await verify_index(self._storage, self._embedder)
                    table = await self._storage.chunks.vector_table(self._embedder.dimension)
                    # Above 100k rows IVF takes 20-140 s to build (1M rows): off the event loop.
                    self._index = await asyncio.to_thread(DenseIndex, table)
                    self._version = version
                    log.info("dense_index_loaded", chunks=len(table.ids), version=version)
        return self._index

    async def search(
        self,
        query: str,
        k: int = 10,
        tags: Sequence[str] = (),
        languages: Sequence[str] = (),
    ) -> list[SearchHit]:
        """The `k` best pages for `query`, each with its best passage."""
        query = query.strip()
        if not query or k <= 0:
            return []
        attributes = {"openinference.span.kind": "RETRIEVER", "input.value": query}
        with tracer().start_as_current_span("retrieve", attributes=attributes) as span:
            hits = await self._search(query, k, tags, languages)
            span.set_attributes(retrieval_attributes(hits, tags))
            return hits

    async def search_or_widen(self, query: str, k: int, tags: Sequence[str]) -> list[SearchHit]:
        """Search within `tags`; when that finds nothing, search the whole knowledge base."""
        hits = await self.search(query, k, tags)
        if tags and not hits:  # filters too narrow: an answer from elsewhere beats none
            hits = await self.search(query, k)
        return hits

    async def _search(
        self, query: str, k: int, tags: Sequence[str], languages: Sequence[str]
    ) -> list[SearchHit]:
        weights = self.weights
        embedding = {
            "openinference.span.kind": "EMBEDDING",
            "embedding.model_name": self._embedder.name,
        }
        with tracer().start_as_current_span("embed", attributes=embedding):
            vector = (await self._embedder.embed([query]))[0]
        with tracer().start_as_current_span("search", attributes={"search.tags": list(tags)}):
            # Both searches at once: on a remote store each is a round trip of its own.
            dense_hits, keyword_hits = await asyncio.gather(
                self._dense(vector, tags, languages),
                self._storage.chunks.keyword_search(query, weights.candidates, tags, languages),
            )
        candidates: dict[str, _Candidate] = {}
        dense_scores = {hit.chunk_id: hit.score for hit in dense_hits}
        for hit in dense_hits:
            candidates[hit.chunk_id] = _Candidate(hit.chunk_id, hit.page_key, language=hit.language)
        keyword_scores = {found.chunk.id: found.score for found in keyword_hits}
        for found in keyword_hits:
            chunk = found.chunk
            candidates.setdefault(
                chunk.id, _Candidate(chunk.id, chunk.page_key, language=chunk.language)
            )
        if weights.rrf_k:
            dense_norm, keyword_norm = (
                _rrf(dense_scores, weights.rrf_k),
                _rrf(keyword_scores, weights.rrf_k),
            )
        else:
            dense_norm, keyword_norm = _min_max(dense_scores), _min_max(keyword_scores)
        for candidate in candidates.values():
            candidate.similarity = dense_scores.get(candidate.chunk_id, 0.0)
            candidate.dense = dense_norm.get(candidate.chunk_id, 0.0)
            candidate.keyword = keyword_norm.get(candidate.chunk_id, 0.0)
            candidate.fused = weights.dense * candidate.dense + weights.keyword * candidate.keyword
            if candidate.language not in PREFERRED_LANGUAGES:
                candidate.fused *= weights.other_language_penalty
        return await self._pages(sorted(candidates.values(), key=lambda c: -c.fused), k)

    async def _dense(
        self, vector: npt.NDArray[np.float32], tags: Sequence[str], languages: Sequence[str]
    ) -> list[_DenseHit]:
        """Nearest chunks: searched by the store when it can (Atlas), else in memory."""
        limit = self.weights.candidates
        served = await self._storage.chunks.vector_search(vector.tolist(), limit, tags, languages)
        if served is None:
            index = await self._current_index()
            table = index.table
            return [
                _DenseHit(
                    table.ids[hit.row],
                    table.page_keys[hit.row],
                    table.languages[hit.row],
                    hit.score,
                )
                for hit in index.search(vector, limit, index.mask(tags, languages))
            ]
        now = time.monotonic()
        if now - self._checked_at >= self._recheck_seconds:
            await verify_index(self._storage, self._embedder)  # vectors of one model only
            self._checked_at = now
        return [
            _DenseHit(hit.chunk.id, hit.chunk.page_key, hit.chunk.language, hit.score)
            for hit in served
        ]

    async def _pages(self, ranked: list[_Candidate], k: int) -> list[SearchHit]:
        best: dict[str, list[_Candidate]] = {}
        for candidate in ranked:
            if candidate.page_key in best or len(best) < k:
                best.setdefault(candidate.page_key, []).append(candidate)
        # One hit per page: a page's other matching chunks only widen its passage.
        chunks = await self._storage.chunks.chunks_of_pages(list(best))
        return [
            _merge_page(chunks[page_key], page_candidates)
            for page_key, page_candidates in best.items()
            if chunks.get(page_key)
        ]


def _merge_page(chunks: list[Chunk], candidates: list[_Candidate]) -> SearchHit:
    """The best chunk plus directly neighbouring chunks that were also hits."""
    by_id = {chunk.id: position for position, chunk in enumerate(chunks)}
    hit_positions = {by_id[c.chunk_id] for c in candidates if c.chunk_id in by_id}
    top = candidates[0]
    centre = by_id.get(top.chunk_id, 0)
    first = last = centre
    while first - 1 in hit_positions:
        first -= 1
    while last + 1 in hit_positions:
        last += 1
    passage = chunks[first : last + 1]
    head = chunks[centre]
    return SearchHit(
        title=head.title,
        url=head.url,
        source_path=head.source_path,
        heading=head.heading,
        score=round(top.fused, 4),
        text="\n\n".join(chunk.content for chunk in passage),
        language=head.language,
        tags=head.tags,
        page_key=head.page_key,
        similarity=round(max(c.similarity for c in candidates), 4),
    )
