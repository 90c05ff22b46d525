"""What the page asks the server for besides content: the chat filter values and tag labels."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

FilterName = Literal["dotnetVersion", "aiLibrary", "aiProvider"]


class ChatFilterOptions(BaseModel):
    name: FilterName = Field(description="The field of the chat request's `filters`.")
    label: str
    values: list[str] = Field(description="Values the chat understands, as shown to people.")


class PageOptions(BaseModel):
    filters: list[ChatFilterOptions]
    tags: dict[str, str] = Field(description="Display label of every taxonomy tag slug.")
