"""Markdown of the MCP tools' results: what a model reads, each source as a link."""

from __future__ import annotations

from buddy.mcp.schemas import DocsResult, NewsResult, SamplesResult


def docs_markdown(result: DocsResult) -> str:
    if not result.hits:
        scope = f" about {result.library}" if result.library else ""
        return f"No documentation{scope} matches '{result.query}'."
    parts = [f"Documentation for '{result.query}', best first:"]
    for hit in result.hits:
        separate = hit.heading and hit.heading != hit.title
        title = f"{hit.title} — {hit.heading}" if separate else hit.title
        link = f"[{title}]({hit.url})" if hit.url else title
        parts.append(
            f"## {link}\nScore {hit.score:.3f} · whole page: {hit.resource}\n\n{hit.passage}"
        )
    return "\n\n".join(parts)


def samples_markdown(result: SamplesResult) -> str:
    if not result.samples:
        return f"No samples match '{result.query}'."
    lines = [f"Samples for '{result.query}':"]
    lines += [
        f"- [{s.title}]({s.source}) by {s.author}: {s.description} Tags: {', '.join(s.tags)}"
        for s in result.samples
    ]
    return "\n".join(lines)


def news_markdown(result: NewsResult) -> str:
    if not result.news:
        return f"No news matches '{result.query}'."
    lines = [f"News for '{result.query}':"]
    lines += [
        f"- {i.published_date.date().isoformat()} [{i.title}]({i.url}) ({i.source}): {i.summary}"
        for i in result.news
    ]
    return "\n".join(lines)
