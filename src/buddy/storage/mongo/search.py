"""Atlas Vector Search and Atlas Search: index definitions, pipeline builders, and the
in-app keyword scoring used when the server has no search support."""

from __future__ import annotations

import math
from collections.abc import Sequence

from buddy.storage.mongo.codec import tokens
from buddy.storage.mongo.connection import Document

VECTOR_INDEX = "vector_index"
TEXT_INDEX = "text_index"
VECTOR_PATH = "embeddings"  # the seed's field name, so a seed collection is searchable as-is
# Field boosts for keyword relevance; the same order of weights as the SQLite bm25() call.
FIELD_WEIGHTS = {"title": 4.0, "heading": 2.0, "content": 1.0, "terms": 0.5}
# What search results leave out: vectors are large and the caller reads text only.
TEXT_ONLY: Document = {"embeddings": 0, "keywords": 0}


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
