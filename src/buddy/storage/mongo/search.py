"""Atlas Vector Search and Atlas Search: index definitions, pipeline builders, what this
server can search, and the in-app keyword scoring used when it cannot."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence

import structlog
from pymongo.errors import OperationFailure

from buddy.storage.mongo.codec import tag_filter, tokens
from buddy.storage.mongo.connection import Collection, Document
from buddy.storage.records import SearchMode

log = structlog.get_logger(__name__)

VECTOR_INDEX = "vector_index"
TEXT_INDEX = "text_index"
VECTOR_PATH = "embeddings"  # the seed's field name, so a seed collection is searchable as-is
# Field boosts for keyword relevance; the same order of weights as the SQLite bm25() call.
FIELD_WEIGHTS = {"title": 4.0, "heading": 2.0, "content": 1.0, "terms": 0.5}
# What search results leave out: vectors are large and the caller reads text only.
TEXT_ONLY: Document = {"embeddings": 0, "keywords": 0}
# Search indexes may still be building after `buddy db init`; look again after this long.
_RECHECK_SECONDS = 60.0
_IN_APP = "exact in-app scoring over a bounded candidate set"


def vector_index_definition(dimension: int) -> Document:
    """The `vectorSearch` index: cosine over `embeddings`, pre-filter on tags and language."""
    return {
        "fields": [
            {
                "type": "vector",
                "path": VECTOR_PATH,
                "numDimensions": dimension,
                "similarity": "cosine",
            },
            {"type": "filter", "path": "tags"},
            {"type": "filter", "path": "language"},
        ]
    }


def text_index_definition() -> Document:
    """The `search` index: analysed text fields, exact-match (token) filter fields."""
    text = {"type": "string", "analyzer": "lucene.standard"}
    return {
        "mappings": {
            "dynamic": False,
            "fields": {
                **dict.fromkeys(FIELD_WEIGHTS, text),
                "tags": {"type": "token"},
                "language": {"type": "token"},
            },
        }
    }


def vector_filter(tags: Sequence[str], languages: Sequence[str]) -> Document | None:
    """MQL pre-filter for `$vectorSearch`: `$eq` on an array field matches any element."""
    clauses: list[Document] = [{"tags": {"$eq": str(tag)}} for tag in tags]
    if languages:
        clauses.append({"language": {"$in": [str(language) for language in languages]}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def vector_search_pipeline(
    vector: Sequence[float],
    limit: int,
    num_candidates: int,
    tags: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> list[Document]:
    stage: Document = {
        "index": VECTOR_INDEX,
        "path": VECTOR_PATH,
        "queryVector": [float(value) for value in vector],
        # Atlas refuses numCandidates below limit.
        "numCandidates": max(num_candidates, limit),
        "limit": limit,
    }
    found = vector_filter(tags, languages)
    if found is not None:
        stage["filter"] = found
    return [
        {"$vectorSearch": stage},
        {"$addFields": {"score": {"$meta": "vectorSearchScore"}}},
        {"$project": TEXT_ONLY},
    ]


def cosine_from_score(score: float) -> float:
    """Atlas reports cosine as (1 + cosine) / 2; the knowledge base wants the cosine itself."""
    return 2.0 * score - 1.0


def text_search_pipeline(
    query: str, limit: int, tags: Sequence[str] = (), languages: Sequence[str] = ()
) -> list[Document]:
    """`$search` with the `text` operator: the query is analysed as plain words, so search
    syntax typed by a user has no effect (unlike `queryString`)."""
    should = [
        {"text": {"query": query, "path": name, "score": {"boost": {"value": weight}}}}
        for name, weight in FIELD_WEIGHTS.items()
    ]
    filters: list[Document] = [{"equals": {"path": "tags", "value": str(tag)}} for tag in tags]
    if languages:
        filters.append({"in": {"path": "language", "value": [str(item) for item in languages]}})
    compound: Document = {"should": should, "minimumShouldMatch": 1}
    if filters:
        compound["filter"] = filters
    return [
        {"$search": {"index": TEXT_INDEX, "compound": compound}},
        {"$limit": limit},
        {"$addFields": {"score": {"$meta": "searchScore"}}},
        {"$project": TEXT_ONLY},
    ]


def keyword_score(
    query_words: Sequence[str],
    document: Document,
    document_frequency: dict[str, int],
    total: int,
    weights: dict[str, float] = FIELD_WEIGHTS,
) -> float:
    """BM25-style relevance with per-field weights, scored in this process."""
    counts: dict[str, float] = {}
    for name, weight in weights.items():
        for token in tokens(str(document.get(name, ""))):
            counts[token] = counts.get(token, 0.0) + weight
    score = 0.0
    for word in query_words:
        frequency = counts.get(word, 0.0)
        if not frequency:
            continue
        seen = document_frequency.get(word, 0)
        idf = math.log(1.0 + (total - seen + 0.5) / (seen + 0.5))
        score += idf * frequency * 2.2 / (frequency + 1.2)  # k1 = 1.2 saturation
    return score


async def document_frequency(collection: Collection, words: Sequence[str]) -> dict[str, int]:
    """How many documents hold each word in `keywords`, in one aggregation."""
    cursor = await collection.aggregate(
        [
            {"$match": {"keywords": {"$in": list(words)}}},
            {"$project": {"keywords": 1}},
            {"$unwind": "$keywords"},
            {"$match": {"keywords": {"$in": list(words)}}},
            {"$group": {"_id": "$keywords", "n": {"$sum": 1}}},
        ]
    )
    return {str(doc["_id"]): int(doc["n"]) async for doc in cursor}


async def fallback_keyword_search(
    collection: Collection,
    query_words: Sequence[str],
    limit: int,
    candidates: int,
    *,
    tags: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> list[tuple[Document, float]]:
    """BM25 in this process over at most `candidates` chunks holding a query word, best
    first, as (document, score); for servers without Atlas Search."""
    # Candidates come from the multikey index on `keywords`; the bound keeps one search
    # from reading a whole large collection into memory.
    wanted = {"keywords": {"$in": list(query_words)}, **tag_filter(tags, languages)}
    found, total, frequency = await asyncio.gather(
        collection.find(wanted, TEXT_ONLY).limit(candidates).to_list(None),
        collection.estimated_document_count(),
        document_frequency(collection, query_words),
    )
    scored = [(doc, keyword_score(query_words, doc, frequency, total)) for doc in found]
    scored = [(doc, score) for doc, score in scored if score > 0]
    scored.sort(key=lambda pair: (-pair[1], str(pair[0]["_id"])))
    return scored[:limit]


def _in_app(detail: str) -> SearchMode:
    return SearchMode(server_side=False, degraded=True, detail=detail)


class ServerSearch:
    """What the server can search, asked once (and again later while indexes build)."""

    def __init__(self) -> None:
        self._mode: SearchMode | None = None
        self._checked_at = float("-inf")
        self._final = False  # the server has no search support at all
        self._lock = asyncio.Lock()

    async def mode(self, chunks: Collection) -> SearchMode:
        """The known mode, asking the server when it is time to (again)."""
        if self._current() is None:
            async with self._lock:
                if self._current() is None:
                    self._mode = await self._probe(chunks)
                    self._checked_at = time.monotonic()
        assert self._mode is not None  # noqa: S101 - set just above
        return self._mode

    def give_up(self, why: str) -> None:
        """A search stage failed: score in-app for a while, then ask the server again."""
        log.warning("mongodb_search_fallback", reason=why)
        self._mode = _in_app(f"{why}; {_IN_APP}")
        self._checked_at = time.monotonic()

    def _current(self) -> SearchMode | None:
        fresh = time.monotonic() - self._checked_at < _RECHECK_SECONDS
        return self._mode if self._final or fresh else None

    async def _probe(self, chunks: Collection) -> SearchMode:
        try:
            cursor = await chunks.list_search_indexes()
            indexes = await cursor.to_list(None)
        except OperationFailure as exc:
            # A plain MongoDB server has no search indexes at all: say so once and stop asking.
            self._final = True
            log.warning("mongodb_search_unsupported", code=exc.code)
            return _in_app(f"this MongoDB server has no Atlas Search; {_IN_APP}")
        ready = {str(index.get("name")) for index in indexes if index.get("queryable")}
        missing = sorted({VECTOR_INDEX, TEXT_INDEX} - ready)
        if missing:
            return _in_app(
                f"Atlas Search index {', '.join(missing)} missing or still building (run "
                f"`buddy db init`); {_IN_APP} meanwhile"
            )
        return SearchMode(
            server_side=True, degraded=False, detail=f"Atlas {VECTOR_INDEX} + {TEXT_INDEX}"
        )
