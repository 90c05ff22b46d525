"""The shipped cases of the shared docs corpus, answered offline and checked without a judge."""

from __future__ import annotations

from pathlib import Path

import pytest

from buddy.evaluation.cases import load_cases
from buddy.evaluation.runner import run_cases
from buddy.services import open_services
from tests.fixtures.corpus import IngestedCorpus

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
SK_CASES = Path(__file__).parents[2] / "evals" / "answers" / "sk-docs.jsonl"
LEARN = "https://learn.microsoft.com/en-us/"


async def test_shipped_corpus_cases_run_offline(corpus: IngestedCorpus) -> None:
    settings = corpus.settings.model_copy(
        update={
            "llm_provider": "offline",
            "mcp_url": "",
            "nuget_service_index": "http://127.0.0.1:9/v3/index.json",
            "log_level": "WARNING",
        }
    )
    cases = load_cases(SK_CASES)
    async with open_services(settings, chat=True) as services:
        results = {r.id: r for r in await run_cases(services, cases, with_judge=False)}
    assert list(results) == [case.id for case in cases]
    assert all(result.checks["answered"] for result in results.values())
    for case in cases:
        result = results[case.id]
        if case.expect.declines:  # nothing in the corpus is about these: nothing is quoted
            assert result.cited == [], case.id
            assert result.checks == {"answered": True, "declines": True}, case.id
        library = case.filters.aiLibrary
        if library:
            # The filter keeps passages tagged with the library: its own pages first, and the
            # other library's pages only where a passage names it (a migration note, say).
            prefix = LEARN + library.lower().replace(" ", "-") + "/"
            assert result.cited, case.id
            assert result.cited[0].startswith(prefix), (case.id, result.cited)
            assert result.checks == {"answered": True, "cite_any": True}, case.id
        if case.expect.cite_any:
            cited = any(
                url.startswith(prefix) for url in result.cited for prefix in case.expect.cite_any
            )
            assert result.checks["cite_any"] is cited, case.id
