"""Vectors of the demo articles, computed once by us and shipped in the package, so a fresh
install answers from its demo knowledge at once instead of embedding it on first start.

Regenerate after editing an article: `python -m buddy.demo.vectors` (a test fails when the
shipped file no longer covers every demo chunk).
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import numpy as np

from buddy.retrieval.embedders.base import Embedder, Matrix, WrappedEmbedder

VECTORS_FILE = "knowledge.vectors.npz"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()


def shipped_vectors(model: str) -> dict[str, np.ndarray]:
    """The shipped vectors by text key, when they were made by `model`; else none."""
    resource = files("buddy.demo").joinpath(VECTORS_FILE)
    if not resource.is_file():
        return {}
    with resource.open("rb") as handle, np.load(handle) as data:
        if str(data["model"]) != model:
            return {}
        keys, vectors = data["keys"], data["vectors"].astype(np.float32)
    return {str(key): vectors[row] for row, key in enumerate(keys)}


class PrecomputedEmbedder(WrappedEmbedder):
    """Answers from the shipped vectors where it can and asks the real embedder for the rest
    (an article edited since the file was made, say)."""

    def __init__(self, inner: Embedder, known: dict[str, np.ndarray]) -> None:
        super().__init__(inner)
        self._known = known

    async def embed(self, texts: Sequence[str]) -> Matrix:
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing = []
        for row, text in enumerate(texts):
            found = self._known.get(text_key(text))
            if found is None:
                missing.append(row)
            else:
                result[row] = found
        if missing:
            result[missing] = await self._inner.embed([texts[row] for row in missing])
        return result


class _Recorder(WrappedEmbedder):
    """Embeds through the real model and keeps every text and vector it was asked for."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.seen: dict[str, np.ndarray] = {}

    async def embed(self, texts: Sequence[str]) -> Matrix:
        matrix = await self._inner.embed(texts)
        for text, row in zip(texts, matrix, strict=True):
            self.seen[text_key(text)] = row
        return matrix


async def demo_vectors(embedder: Embedder) -> dict[str, np.ndarray]:
    """Every vector the demo articles need, by ingesting them into a throwaway store."""
    from buddy.config import Settings  # noqa: PLC0415 - tooling path only
    from buddy.demo import load_demo_knowledge  # noqa: PLC0415 - avoids an import cycle
    from buddy.storage.factory import opened_storage  # noqa: PLC0415

    recorder = _Recorder(embedder)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, data_dir=Path(folder))
        async with opened_storage(settings) as storage:
            await load_demo_knowledge(storage, recorder, Path(folder) / "cache", precomputed=False)
    return recorder.seen


def write_vectors(vectors: dict[str, np.ndarray], model: str, path: Path) -> None:
    keys = sorted(vectors)
    np.savez_compressed(
        path,
        model=np.array(model),
        keys=np.array(keys),
        # Half precision: a cosine changes in the fourth decimal, the file is half the size.
        vectors=np.stack([vectors[key] for key in keys]).astype(np.float16),
    )


def main() -> None:
    from buddy.retrieval.embedders.local import LocalEmbedder  # noqa: PLC0415

    embedder = LocalEmbedder()
    vectors = asyncio.run(demo_vectors(embedder))
    target = Path(str(files("buddy.demo").joinpath(VECTORS_FILE)))
    write_vectors(vectors, embedder.name, target)
    print(f"wrote {len(vectors)} vectors to {target}")


if __name__ == "__main__":
    main()
