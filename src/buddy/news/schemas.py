"""News API shapes; field names follow the seed (`published_date`, `url`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from buddy.storage.records import NewsItem


class NewsItemOut(BaseModel):
    id: str
    title: str
    summary: str
    source: str
    author: str
    published_date: datetime = Field(description="ISO 8601 with time zone.")
    published_date_estimated: bool = Field(
        description="True when the feed gave no date and the feed's date or fetch time was used."
    )
    url: str
    tags: list[str]

    @classmethod
    def from_record(cls, item: NewsItem) -> NewsItemOut:
        return cls(
            id=item.id,
            title=item.title,
            summary=item.summary,
            source=item.source,
            author=item.author,
            published_date=item.published,
            published_date_estimated=item.published_estimated,
            url=item.url,
            tags=list(item.tags),
        )


class NewsPage(BaseModel):
    news: list[NewsItemOut]
    total: int
    page: int
    page_size: int
    pages: int
