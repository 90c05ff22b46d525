"""Choose the embedder from settings."""

from __future__ import annotations

import httpx

from buddy.config import Settings
from buddy.errors import ServiceUnavailableError
from buddy.retrieval.embedders.base import CachedEmbedder, Embedder
from buddy.retrieval.embedders.local import LocalEmbedder
from buddy.retrieval.embedders.openai import OpenAIEmbedder

_OPENAI = "https://api.openai.com/v1"


def create_embedder(settings: Settings, client: httpx.AsyncClient) -> Embedder:
    """The configured embedder, with a cache for repeated queries."""
    if settings.embedder == "local":
        return CachedEmbedder(LocalEmbedder())
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    base_url = settings.embedding_base_url or settings.openai_base_url or _OPENAI
    if not key and base_url == _OPENAI:
        msg = "BUDDY_EMBEDDER=openai needs OPENAI_API_KEY (or BUDDY_EMBEDDING_BASE_URL)"
        raise ServiceUnavailableError(msg, code="embedder_unavailable")
    inner = OpenAIEmbedder(
        client,
        base_url,
        key,
        settings.embedding_model,
        settings.embedding_dimension,
        timeout_seconds=settings.llm_timeout_seconds,
    )
    return CachedEmbedder(inner)
