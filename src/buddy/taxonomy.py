"""The fixed tag taxonomy (library, provider, .NET version, topic) and the rules that assign it.

One list, shared by ingestion, the samples gallery, the chat filters and the web page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Facet(StrEnum):
    LIBRARY = "library"
    PROVIDER = "provider"
    DOTNET = "dotnet"
    TOPIC = "topic"


@dataclass(frozen=True)
class Tag:
    slug: str
    label: str
    facet: Facet
    pattern: re.Pattern[str]


def _tag(slug: str, label: str, facet: Facet, pattern: str) -> Tag:
    return Tag(slug, label, facet, re.compile(pattern, re.IGNORECASE))


L, P, D, T = Facet.LIBRARY, Facet.PROVIDER, Facet.DOTNET, Facet.TOPIC

TAGS: tuple[Tag, ...] = (
    _tag(
        "microsoft-extensions-ai",
        "Microsoft.Extensions.AI",
        L,
        r"microsoft\.extensions\.ai\b|\bIChatClient\b|\bIEmbeddingGenerator\b|\bMEAI\b",
    ),
    _tag("semantic-kernel", "Semantic Kernel", L, r"semantic[ -]kernel|microsoft\.semantickernel"),
    _tag("agent-framework", "Agent Framework", L, r"agent[ -]framework|microsoft\.agents\.ai"),
    _tag("ml-net", "ML.NET", L, r"\bml\.net\b|\bmicrosoft\.ml\b(?!\.onnx)"),
    _tag("onnx-runtime", "ONNX Runtime", L, r"onnx ?runtime|microsoft\.ml\.onnxruntime"),
    _tag("openai-dotnet", "OpenAI .NET library", L, r"openai[ -](\.net|dotnet)|\bopenai\b nuget"),
    _tag("azure-ai-inference", "Azure AI Inference", L, r"azure\.ai\.inference|azure ai inference"),
    _tag(
        "vector-data",
        "Microsoft.Extensions.VectorData",
        L,
        r"microsoft\.extensions\.vectordata|\bvector ?data\b|vector store connector",
    ),
    _tag("mcp-sdk", "MCP C# SDK", L, r"modelcontextprotocol|mcp (c#|csharp|\.net) sdk"),
    _tag("kernel-memory", "Kernel Memory", L, r"kernel memory|microsoft\.kernelmemory"),
    _tag("openai", "OpenAI", P, r"\bopenai\b"),
    _tag("azure-openai", "Azure OpenAI", P, r"azure openai|azure\.ai\.openai"),
    _tag("ollama", "Ollama", P, r"\bollama"),
    _tag("github-models", "GitHub Models", P, r"github models"),
    _tag("azure-ai-foundry", "Azure AI Foundry", P, r"(azure )?ai foundry|microsoft foundry"),
    _tag("foundry-local", "Foundry Local", P, r"foundry local"),
    _tag("anthropic", "Anthropic", P, r"anthropic|\bclaude\b"),
    _tag("google-gemini", "Google Gemini", P, r"\bgemini\b"),
    _tag("hugging-face", "Hugging Face", P, r"hugging ?face"),
    _tag("onnx-local", "Local ONNX models", P, r"\bonnx\b|\bphi-?[34]"),
    _tag("net8", ".NET 8", D, r"\.net 8\b|\bnet8\.0\b"),
    _tag("net9", ".NET 9", D, r"\.net 9\b|\bnet9\.0\b"),
    _tag("net10", ".NET 10", D, r"\.net 10\b|\bnet10\.0\b"),
    _tag("chat", "Chat", T, r"\bchat"),
    _tag("streaming", "Streaming", T, r"\bstream(ing|ed)?\b"),
    _tag("embeddings", "Embeddings", T, r"\bembedding"),
    _tag("rag", "RAG", T, r"\brag\b|retrieval[- ]augmented"),
    _tag("vector-search", "Vector search", T, r"vector (search|store|database|index)"),
    _tag("agents", "Agents", T, r"\bagents?\b|\bagentic\b"),
    _tag("multi-agent", "Multi-agent", T, r"multi-?agent|group chat|handoff"),
    _tag("function-calling", "Function calling", T, r"function[- ]calling|tool[- ]calling"),
    _tag("mcp", "MCP", T, r"\bmcp\b|model context protocol"),
    _tag("structured-output", "Structured output", T, r"structured output|json schema"),
    _tag("image", "Images and vision", T, r"\bimages?\b|\bvision\b|dall-?e"),
    _tag("audio", "Audio and speech", T, r"\baudio\b|\bspeech\b|\bwhisper\b|text-to-speech"),
    _tag("evaluation", "Evaluation", T, r"\bevaluat(e|ion|ing|or)"),
    _tag("ml", "Machine learning", T, r"machine learning|model training|automl"),
    _tag("blazor", "Blazor", T, r"\bblazor"),
    _tag("aspire", "Aspire", T, r"\baspire\b"),
    _tag("console", "Console apps", T, r"console app"),
    _tag("web-api", "Web APIs", T, r"asp\.net core|web api|minimal api"),
    _tag("orchestration", "Orchestration", T, r"orchestrat|\bworkflows?\b"),
    _tag("telemetry", "Telemetry", T, r"telemetry|opentelemetry|observability"),
)

BY_SLUG: dict[str, Tag] = {tag.slug: tag for tag in TAGS}


def is_known(slug: str) -> bool:
    return slug in BY_SLUG


def tags_for_text(*texts: str, declared: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Taxonomy tags found in the texts, plus declared labels that are known slugs or labels."""
    found: dict[str, None] = {}
    for label in declared:
        slug = _slug_for_label(label)
        if slug is not None:
            found[slug] = None
    joined = "\n".join(texts)
    for tag in TAGS:
        if tag.pattern.search(joined):
            found[tag.slug] = None
    return tuple(slug for slug in BY_SLUG if slug in found)


def facet_tags(tags: tuple[str, ...], *facets: Facet) -> tuple[str, ...]:
    """The tags that belong to the given facets."""
    return tuple(tag for tag in tags if tag in BY_SLUG and BY_SLUG[tag].facet in facets)


def slug_for(label: str, facet: Facet | None = None) -> str | None:
    """The slug a display label or slug names, optionally only within one facet."""
    slug = _slug_for_label(label)
    if slug is None or (facet is not None and BY_SLUG[slug].facet is not facet):
        return None
    return slug


_BY_NAME: dict[str, str] = {
    name: tag.slug for tag in TAGS for name in (tag.slug, tag.label.casefold())
}


def _slug_for_label(label: str) -> str | None:
    return _BY_NAME.get(label.strip().casefold())


def tag_label(tag: str) -> str:
    """How a tag is shown to people: a taxonomy tag's label, any other tag as it was written."""
    slug = _slug_for_label(tag)
    return BY_SLUG[slug].label if slug else tag


def tag_key(tag: str) -> str:
    """What every spelling of one tag shares: a taxonomy tag's slug, else the case-folded text."""
    return _slug_for_label(tag) or tag.strip().casefold()


# What people write in a chat filter (the seed's page offers these, and free text under
# "Other"), mapped to the tag whose pages answer it. Bare "OpenAI" is left out on purpose: the
# seed's page sends it as the library with every question by default, and narrowing them all
# to the few pages about the OpenAI .NET library would hide the rest.
_FILTER_SYNONYMS: dict[Facet, dict[str, str]] = {
    L: {
        "openai sdk": "openai-dotnet",
        "openai .net sdk": "openai-dotnet",
        "sk": "semantic-kernel",
        "semantic kernel agents": "semantic-kernel",
        "semantic kernel process framework": "semantic-kernel",
        "autogen": "agent-framework",  # the Agent Framework is AutoGen's successor
        "microsoft agent framework": "agent-framework",
        "meai": "microsoft-extensions-ai",
        "extensions.ai": "microsoft-extensions-ai",
        "ollamasharp": "ollama",  # no library tag of its own: its pages are Ollama's
        "mlnet": "ml-net",
        "onnx": "onnx-runtime",
        "mcp": "mcp-sdk",
        "model context protocol": "mcp-sdk",
    },
}


def filter_tag(value: str, facet: Facet) -> str | None:
    """The tag a free-text chat filter stands for: a synonym, or a label or slug of the facet."""
    wanted = " ".join(value.casefold().split())
    return _FILTER_SYNONYMS.get(facet, {}).get(wanted) or slug_for(value, facet)


def facet_options(facet: Facet) -> list[Tag]:
    return [tag for tag in TAGS if tag.facet is facet]
