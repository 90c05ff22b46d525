"""The structured content of the MCP tools' results; the text beside it is Markdown."""

from __future__ import annotations

from pydantic import BaseModel, Field

from buddy.news.schemas import NewsItemOut
from buddy.samples.schemas import SampleOut


class DocHit(BaseModel):
    title: str
    heading: str
    url: str = Field(description="The page's public URL (empty for a page ingested without one).")
    resource: str = Field(description="The whole page as an MCP resource (resources/read).")
    passage: str
    score: float


class DocsResult(BaseModel):
    query: str
    library: str | None
    hits: list[DocHit]


class SamplesResult(BaseModel):
    query: str
    tags: list[str]
    samples: list[SampleOut]


class NewsResult(BaseModel):
    query: str
    news: list[NewsItemOut]
