"""Sample shapes: the catalog entry (file) and the API item, both in the seed's field names."""

from __future__ import annotations

from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from buddy.storage.records import Sample
from buddy.taxonomy import tag_label

SampleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
TagText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class SampleEntry(BaseModel):
    """One entry of a samples catalog file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: SampleId
    title: Text
    description: LongText
    preview: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    author: Text
    author_url: AnyHttpUrl = Field(alias="authorUrl")
    source: AnyHttpUrl
    tags: Annotated[list[TagText], Field(max_length=30)] = []

    def to_record(self) -> Sample:
        return Sample(
            id=self.id,
            title=self.title,
            description=self.description,
            preview=self.preview,
            author=self.author,
            author_url=str(self.author_url),
            source=str(self.source),
            tags=tuple(dict.fromkeys(self.tags)),
        )


class SampleOut(BaseModel):
    id: str
    title: str
    description: str
    preview: str
    authorUrl: str
    author: str
    source: str
    tags: list[str]

    @classmethod
    def from_record(cls, sample: Sample) -> SampleOut:
        return cls(
            id=sample.id,
            title=sample.title,
            description=sample.description,
            preview=sample.preview,
            authorUrl=sample.author_url,
            author=sample.author,
            source=sample.source,
            tags=list(dict.fromkeys(map(tag_label, sample.tags))),
        )


class SamplesPage(BaseModel):
    samples: list[SampleOut]
    total: int
    page: int
    page_size: int
    pages: int


class SampleTags(BaseModel):
    tags: list[str]
