"""OpenAI `text-embedding-3-*` or any OpenAI-compatible `/v1/embeddings` endpoint."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import numpy as np

from buddy.errors import ServiceUnavailableError
from buddy.retrieval.embedders.base import Matrix, normalise

_BATCH = 128


class OpenAIEmbedder:
    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        api_key: str,
        model: str,
        dimension: int,
        *,
        timeout_seconds: float = 60.0,
    ) -> None:
        self._client = client
        # The shared client's timeout is sized for feeds; a batch of embeddings takes longer.
        self._timeout = httpx.Timeout(timeout_seconds)
        self._url = base_url.rstrip("/") + "/embeddings"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._model = model
        self._dimension = dimension

    @property
    def name(self) -> str:
        return self._model

    @property
    def dimension(self) -> int:
        return self._dimension

    async def embed(self, texts: Sequence[str]) -> Matrix:
        rows: list[list[float]] = []
        for start in range(0, len(texts), _BATCH):
            rows.extend(await self._request(list(texts[start : start + _BATCH])))
        if not rows:
            return np.zeros((0, self._dimension), dtype=np.float32)
        return normalise(np.asarray(rows, dtype=np.float32))

    async def _request(self, batch: list[str]) -> list[list[float]]:
        body: dict[str, object] = {"model": self._model, "input": batch}
        if self._model.startswith("text-embedding-3"):
            body["dimensions"] = self._dimension
        try:
            response = await self._client.post(
                self._url, json=body, headers=self._headers, timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            msg = f"the embeddings endpoint {self._url} is unreachable ({type(exc).__name__})"
            raise ServiceUnavailableError(msg, code="embedder_unavailable") from None
        if response.status_code != 200:
            msg = f"the embeddings endpoint answered HTTP {response.status_code}"
            raise ServiceUnavailableError(msg, code="embedder_unavailable")
        data = sorted(response.json().get("data", []), key=lambda item: item.get("index", 0))
        vectors = [item["embedding"] for item in data]
        if len(vectors) != len(batch) or any(len(v) != self._dimension for v in vectors):
            msg = f"the embeddings endpoint returned vectors that are not {self._dimension}-d"
            raise ServiceUnavailableError(msg, code="embedder_unavailable")
        return vectors
