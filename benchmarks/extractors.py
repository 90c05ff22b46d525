"""Main content of documentation pages: which extractor keeps the text and the code (with its
language) and leaves the site's furniture out, and what it costs per page.

The pages are our own saved documentation pages (tests/sources/pages/), each with the
sentences and code it must keep and the furniture strings it must not; the expectations live
beside them in expectations.json. Compared: buddy.sources.web_page (the page's content
region converted by html-to-markdown) and trafilatura's Markdown output. Both run on the same
strings; nothing is lifted.

Run: .venv/bin/python -m benchmarks.extractors [--rounds 20]
(trafilatura is in the `bench` extra: uv sync --extra bench)
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness import Failures, header
from buddy.sources.web_page import content_markdown, scan_page

PAGES = Path(__file__).resolve().parent.parent / "tests" / "sources" / "pages"
Extractor = Callable[[str, str], str]


def ours(markup: str, url: str) -> str:
    return content_markdown(markup, url, scan_page(markup))


def trafilatura_markdown(markup: str, url: str) -> str:
    import trafilatura  # noqa: PLC0415  (bench-only dependency, imported when measured)

    text = trafilatura.extract(
        markup, url=url, output_format="markdown", include_links=True, include_tables=True,
        include_formatting=True, include_comments=False,
    )  # fmt: skip
    return text or ""


def has_code(markdown: str, language: str, snippet: str) -> bool:
    """True when `snippet` sits inside a fence that names `language`."""
    for fence in re.finditer(r"^```([\w+#-]*)\n(.*?)^```", markdown, re.S | re.M):
        if fence.group(1) == language and snippet in fence.group(2):
            return True
    return False


@dataclass
class Score:
    kept: int = 0
    kept_of: int = 0
    code: int = 0
    code_of: int = 0
    leaked: int = 0
    leaked_of: int = 0
    seconds: float = 0.0
    pages: int = 0


def score_page(markdown: str, expect: dict[str, Any], score: Score) -> list[str]:
    """Add one page's counts to `score`; return what was lost or leaked, for the report."""
    misses = []
    for sentence in expect["keep"]:
        score.kept_of += 1
        if sentence in markdown:
            score.kept += 1
        else:
            misses.append(f"lost: {sentence[:50]}")
    for language, snippet in expect["code"]:
        score.code_of += 1
        if has_code(markdown, language, snippet):
            score.code += 1
        else:
            misses.append(f"code without {language}: {snippet[:40]}")
    for furniture in expect["leak"]:
        score.leaked_of += 1
        if furniture in markdown:
            score.leaked += 1
            misses.append(f"leaked: {furniture}")
    return misses


def measure(extract: Extractor, rounds: int, failures: Failures, name: str) -> Score:
    expectations = json.loads((PAGES / "expectations.json").read_text(encoding="utf-8"))
    score = Score()
    for page, expect in expectations.items():
        markup = (PAGES / page).read_text(encoding="utf-8")
        try:
            markdown = extract(markup, expect["url"])
            best = float("inf")
            for _ in range(rounds):
                started = time.perf_counter()
                extract(markup, expect["url"])
                best = min(best, time.perf_counter() - started)
        except Exception as exc:  # a benchmark names every failure and exits 1 at the end
            failures.add(f"{name} on {page}: {type(exc).__name__}: {exc}")
            continue
        score.seconds += best
        score.pages += 1
        for miss in score_page(markdown, expect, score):
            print(f"   {name:<12} {page:<32} {miss}")
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="timed runs per page (best kept)")
    args = parser.parse_args()
    header("Main-content extraction on saved documentation pages")
    failures = Failures()
    extractors: dict[str, Extractor] = {"region+h2m": ours, "trafilatura": trafilatura_markdown}
    results = {name: measure(fn, args.rounds, failures, name) for name, fn in extractors.items()}
    print(f"   {'extractor':<12} {'sentences':>10} {'code+lang':>10} {'leaked':>8} {'ms/page':>8}")
    for name, s in results.items():
        ms = 1000 * s.seconds / max(s.pages, 1)
        print(
            f"   {name:<12} {s.kept:>4}/{s.kept_of:<5} {s.code:>4}/{s.code_of:<5}"
            f" {s.leaked:>3}/{s.leaked_of:<4} {ms:>8.2f}"
        )
    failures.finish()


if __name__ == "__main__":
    main()
