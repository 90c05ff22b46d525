"""Chat request shapes; field names follow the seed's clients."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Hard ceilings only: the limits people meet are settings, checked with a message naming them.
MAX_MESSAGE_CHARS = 1_000_000
MAX_HISTORY_TURNS = 10_000
FilterText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS)]


class ChatFilters(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    dotnetVersion: FilterText | None = None
    aiLibrary: FilterText | None = None
    aiProvider: FilterText | None = None


class ChatRequest(BaseModel):
    message: Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS)]
    history: Annotated[list[HistoryTurn], Field(max_length=MAX_HISTORY_TURNS)] = []
    filters: ChatFilters = ChatFilters()
    magic_key: Annotated[str, StringConstraints(max_length=200)] | None = None
    conversation_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None,
        description="Append the question and its answer to this saved conversation "
        "(the caller's own: X-Owner-Token in development, the key in production).",
    )
