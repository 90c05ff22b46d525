"""The local embedder's batching: batches of near-equal length, vectors as if embedded alone."""

from __future__ import annotations

import numpy as np

from buddy.retrieval.embedders.local import LocalEmbedder, batches_by_length


def test_batches_hold_every_index_once_shortest_first_within_the_budget() -> None:
    lengths = [128, 5, 40, 128, 7, 60, 128, 12]
    batches = batches_by_length(lengths, 256)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    flat = [lengths[i] for batch in batches for i in batch]
    assert flat == sorted(flat)
    for batch in batches:
        assert len(batch) * max(lengths[i] for i in batch) <= 256


def test_a_text_longer_than_the_budget_still_gets_a_batch_of_its_own() -> None:
    assert batches_by_length([300, 10], 256) == [[1], [0]]


def test_batches_are_split_so_every_worker_has_one() -> None:
    assert [len(batch) for batch in batches_by_length([10] * 6, 4096, parts=2)] == [3, 3]
    assert batches_by_length([10], 4096, parts=2) == [[0]]


def test_a_text_embedded_among_others_gets_the_vector_it_gets_alone() -> None:
    # Padding to the longest text of a batch is masked out of the pooling, so batching by
    # length must not move a vector: the index built at ingest stays what queries expect.
    texts = [
        "Kernel",
        "How do I register a plugin with the kernel builder in C#?",
        "Semantic Kernel lets you call functions from prompts. " * 20,
        "Filters run before and after each function invocation.",
    ]
    embedder = LocalEmbedder(batch_tokens=256, workers=2)
    together = embedder.embed_sync(texts)
    alone = np.vstack([embedder.embed_sync([text]) for text in texts])
    assert together.shape == (len(texts), embedder.dimension)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert float((together * alone).sum(axis=1).min()) >= 0.9999
