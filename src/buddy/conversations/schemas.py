"""Conversation and share-link API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from buddy.storage.records import Conversation, ConversationMessage, ConversationShare

MAX_TITLE_CHARS = 200
MAX_SHARE_DAYS = 365
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TITLE_CHARS)]
# Ids and tokens are URL-safe base64 made by `secrets`; anything longer is no id of ours.
ConversationId = Annotated[str, StringConstraints(max_length=64)]
ShareToken = Annotated[str, StringConstraints(max_length=128)]


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title = Field(default="", description="Empty: the first question becomes the title.")


class ConversationRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[Title, StringConstraints(min_length=1)]


class ConversationOut(BaseModel):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int

    @classmethod
    def from_record(cls, conversation: Conversation) -> ConversationOut:
        return cls(
            id=conversation.id,
            title=conversation.title,
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
            message_count=conversation.message_count,
        )


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    total: int
    page: int
    page_size: int
    pages: int


class CitationOut(BaseModel):
    title: str
    url: str
    source: str


class ToolCallOut(BaseModel):
    tool: str
    args: dict[str, Any]


class MessageOut(BaseModel):
    seq: int
    role: Literal["user", "assistant"]
    content: str
    created_at: datetime
    span_id: str = Field(description="The answer's span, which POST /api/feedback refers to.")
    trace_id: str
    citations: list[CitationOut]
    tool_calls: list[ToolCallOut]
    status: Literal["complete", "error", "cancelled"]
    error_code: str
    vote: Literal["thumbs_up", "thumbs_down"] | None = Field(
        default=None, description="The newest vote on this answer, if any."
    )

    @classmethod
    def from_record(cls, message: ConversationMessage, vote: str | None = None) -> MessageOut:
        return cls.model_validate(
            {
                "seq": message.seq,
                "role": message.role,
                "content": message.content,
                "created_at": message.created_at,
                "span_id": message.span_id,
                "trace_id": message.trace_id,
                "citations": [vars(citation) for citation in message.citations],
                "tool_calls": [vars(call) for call in message.tool_calls],
                "status": message.status,
                "error_code": message.error_code,
                "vote": vote,
            }
        )


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]


class ShareCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_in_days: int | None = Field(
        default=None, ge=1, le=MAX_SHARE_DAYS, description="None: the link lasts until revoked."
    )


class ShareOut(BaseModel):
    id: str
    created_at: datetime
    expires_at: datetime | None
    message_count: int = Field(description="The messages the link shows: those at sharing.")

    @classmethod
    def from_record(cls, share: ConversationShare) -> ShareOut:
        return cls(
            id=share.id,
            created_at=share.created_at,
            expires_at=share.expires_at,
            message_count=share.message_count,
        )


class NewShareOut(ShareOut):
    token: str = Field(description="Shown once: only its hash is stored.")
    url: str = Field(description="The share page's path, /share/{token}.")


class ShareList(BaseModel):
    items: list[ShareOut]


class SharedConversation(BaseModel):
    title: str
    shared_at: datetime
    expires_at: datetime | None
    messages: list[MessageOut]
