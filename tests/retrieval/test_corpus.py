"""The real Semantic Kernel / Agent Framework docs: ingestion, search quality, filters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from buddy.retrieval.eval import evaluate, load_eval
from buddy.retrieval.search import KnowledgeBase
from buddy.retrieval.sources import resolve_source
from buddy.storage.base import Storage
from tests.fixtures.corpus import CORPUS, IngestedCorpus
from tests.fixtures.stored_rows import page_chunks

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
EVAL_FILE = Path(__file__).resolve().parents[2] / "evals" / "retrieval" / "sk-docs.jsonl"


def test_every_page_ingested_and_reingest_is_a_no_op(corpus: IngestedCorpus) -> None:
    sections = [CORPUS / "semantic-kernel", CORPUS / "agent-framework"]
    files = [path for section in sections for path in section.rglob("*.md")]
    # Repository housekeeping files are not documentation pages.
    pages = sum(1 for path in files if path.name not in ("AGENTS.md", "SECURITY.md"))
    first, second = corpus.first, corpus.second
    assert first.failed == []
    assert first.new == pages
    assert first.chunks > 3000
    assert (second.new, second.changed, second.unchanged) == (0, 0, pages)
    assert second.seconds < 10


async def test_urls_titles_dates_and_languages(corpus_store: Storage) -> None:
    source = resolve_source(str(CORPUS), Path("/nonexistent-cache"))
    key = source.page_key("semantic-kernel/concepts/kernel.md")
    chunks = await page_chunks(corpus_store, key)
    assert chunks[0].url == "https://learn.microsoft.com/en-us/semantic-kernel/concepts/kernel"
    assert chunks[0].title == "Understanding the kernel in Semantic Kernel"
    assert chunks[0].updated is not None
    assert chunks[0].updated.year == 2023
    languages = {chunk.language for chunk in chunks}
    assert {"csharp", "python", "java"} <= languages
    csharp = "\n".join(c.content for c in chunks if c.language == "csharp")
    assert "Kernel.CreateBuilder()" in csharp
    assert "from semantic_kernel import Kernel" not in csharp
    for chunk in chunks:
        assert chunk.content.count("```") % 2 == 0, chunk.heading
    index = await page_chunks(corpus_store, source.page_key("semantic-kernel/overview/index.md"))
    assert index[0].url == "https://learn.microsoft.com/en-us/semantic-kernel/overview"


async def test_identifier_search_finds_the_defining_page(corpus_kb: KnowledgeBase) -> None:
    hits = await corpus_kb.search("ChatCompletionAgent", k=3)
    defining = "semantic-kernel/Frameworks/agent/agent-types/chat-completion-agent.md"
    assert defining in [hit.source_path for hit in hits[:2]]
    hits = await corpus_kb.search("FunctionChoiceBehavior", k=3)
    assert "function-choice-behaviors.md" in hits[0].source_path


async def test_filters_apply_inside_the_search(corpus_kb: KnowledgeBase) -> None:
    framework = await corpus_kb.search("create an agent with tools", k=10, tags=["agent-framework"])
    assert framework
    assert all(hit.source_path.startswith("agent-framework/") for hit in framework)
    python = await corpus_kb.search("create a kernel", k=5, languages=["python"])
    assert python
    assert all(hit.language == "python" for hit in python)


async def test_csharp_is_preferred(corpus_kb: KnowledgeBase) -> None:
    hits = await corpus_kb.search("add a plugin to the kernel", k=5)
    assert hits[0].language in ("csharp", "")


async def test_retrieval_quality_on_our_eval_set(corpus_kb: KnowledgeBase) -> None:
    result = await evaluate(corpus_kb, load_eval(EVAL_FILE), k=5)
    # A guard against regressions; the figures themselves are in the README.
    assert result.questions >= 40
    assert result.recall_5 >= 0.85
    assert result.mrr_10 >= 0.7


def test_cli_search_json_shape(corpus: IngestedCorpus) -> None:
    env = {
        **os.environ,
        "BUDDY_DATA_DIR": str(corpus.settings.data_dir),
        "BUDDY_LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(
        [sys.executable, "-m", "buddy", "search", "vector store collection", "--k", "4", "--json"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert 1 <= len(hits) <= 4
    for hit in hits:
        assert {"title", "url", "source_path", "heading", "score", "snippet"} <= set(hit)
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
