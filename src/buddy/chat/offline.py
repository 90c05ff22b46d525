"""The offline answerer: no model, the same stream. It quotes and cites the knowledge base.

Relevance is judged on the best passage's raw cosine similarity: on our eval set, 57 of 59
answerable questions score at least 0.45 and none of 16 unanswerable ones does.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Sequence

from buddy.chat.stream import Event, citation, content, tool_call, tool_output
from buddy.metrics.registry import SEARCH_TOP_SIMILARITY
from buddy.retrieval.search import KnowledgeBase, SearchHit

RELEVANCE_THRESHOLD = 0.45
TOP_PASSAGES = 4
NO_MODEL_NOTE = (
    "_No language model is configured, so this answer quotes the knowledge base directly. "
    "Set `OPENAI_API_KEY` (or point `OPENAI_BASE_URL` at Ollama, vLLM or Azure OpenAI) "
    "for written answers._"
)
_FENCE = re.compile(r"```(\w[\w#+-]*)?\n(.*?)```", re.S)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*\[])")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.]+")
_STOP = frozenset(
    "the a an and or to of in on for with how do i can what is are my use using does from".split()
)


def _words(text: str) -> set[str]:
    return {w.lower().strip(".") for w in _WORD.findall(text)} - _STOP


def _prose(text: str) -> str:
    without_code = _FENCE.sub(" ", text)
    lines = [
        line
        for line in without_code.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "|", "!["))
    ]
    return " ".join(" ".join(lines).split())


def best_sentences(question: str, hits: Sequence[SearchHit], limit: int = 3) -> list[str]:
    """The sentences of the top passages sharing most words with the question, in page order."""
    wanted = _words(question)
    scored: list[tuple[float, int, str]] = []
    position = 0
    for rank, hit in enumerate(hits[:2]):
        for sentence in _SENTENCE.split(_prose(hit.text)):
            position += 1
            words = _words(sentence)
            if len(sentence) < 30 or len(sentence) > 500 or not words:
                continue
            overlap = len(words & wanted) / (len(wanted) or 1)
            scored.append((overlap - 0.1 * rank, position, sentence.strip()))
    chosen = sorted(scored, key=lambda item: -item[0])[:limit]
    return [sentence for _, _, sentence in sorted(chosen, key=lambda item: item[1])]


def first_csharp_block(hits: Sequence[SearchHit]) -> str | None:
    for hit in hits:
        for match in _FENCE.finditer(hit.text):
            if (match.group(1) or "").lower() in {"csharp", "cs", "c#"}:
                return match.group(2).rstrip()
    return None


def _link(hit: SearchHit) -> str:
    return f"[{hit.title}]({hit.url})" if hit.url else f"{hit.title} (`{hit.source_path}`)"


def compose(question: str, hits: Sequence[SearchHit]) -> list[str]:
    """The answer as Markdown paragraphs."""
    best = hits[0]
    section = best.heading.split(" > ")[-1] if best.heading else ""
    parts = [NO_MODEL_NOTE, f"**Best match:** {_link(best)}" + (f" — {section}" if section else "")]
    sentences = best_sentences(question, hits)
    if sentences:
        parts.append("\n".join(f"> {sentence}" for sentence in sentences))
    code = first_csharp_block(hits[:3])
    if code:
        parts.append(f"```csharp\n{code}\n```")
    sources = "\n".join(f"{n}. {_link(hit)}" for n, hit in enumerate(hits, start=1))
    parts.append(f"**Sources**\n{sources}")
    return parts


def nothing_found() -> list[str]:
    return [
        NO_MODEL_NOTE,
        "The knowledge base has nothing on this question, so there is nothing to quote. "
        "Try naming the library or API you use (for example `IChatClient`, Semantic Kernel "
        "or Agent Framework), or ingest more documentation with `buddy ingest docs`.",
    ]


async def offline_answer(
    kb: KnowledgeBase, question: str, tags: Sequence[str] = ()
) -> AsyncGenerator[Event, None]:
    """Search, then stream a grounded, cited answer (or say there is nothing to cite)."""
    args: dict[str, object] = {"query": question}
    if tags:
        args["tags"] = list(tags)
    yield tool_call("search_knowledge_base", args)
    hits = await kb.search_or_widen(question, TOP_PASSAGES, tags)
    if hits:
        SEARCH_TOP_SIMILARITY.observe(hits[0].similarity)
    relevant = [hit for hit in hits if hit.similarity >= RELEVANCE_THRESHOLD * 0.8]
    if not hits or hits[0].similarity < RELEVANCE_THRESHOLD:
        relevant = []
    yield tool_output(
        "search_knowledge_base",
        f"{len(relevant)} relevant passages" + "".join(f"\n- {h.title}" for h in relevant),
    )
    if not relevant:
        for paragraph in nothing_found():
            yield content(paragraph + "\n\n")
        return
    for paragraph in compose(question, relevant):
        yield content(paragraph + "\n\n")
    for hit in relevant:
        yield citation(hit.title, hit.url or hit.source_path, "docs")
