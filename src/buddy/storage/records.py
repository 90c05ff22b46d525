"""Plain records that cross the storage boundary; pydantic stays at the HTTP edge."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """1-based paging as the API exposes it."""

    page: int = 1
    page_size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class Paged(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.page_size) if self.total else 0

    def paging_fields(self) -> dict[str, int]:
        """The `{total, page, page_size, pages}` every list response carries."""
        return {
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
        }


@dataclass(frozen=True)
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.new + other.new, self.updated + other.updated, self.unchanged + other.unchanged
        )


@dataclass(frozen=True)
class DocPage:
    """One ingested page; its chunks are replaced together when its hash changes."""

    key: str
    title: str
    url: str
    source_path: str
    content_hash: str
    updated: datetime | None = None


@dataclass(frozen=True)
class Chunk:
    """A passage of a page with its embedding."""

    id: str
    page_key: str
    ordinal: int
    title: str
    heading: str
    content: str
    url: str
    source_path: str
    language: str = "csharp"
    tags: tuple[str, ...] = ()
    updated: datetime | None = None
    vector: tuple[float, ...] = ()
    text_hash: str = ""  # of the embedded text; unchanged text reuses its stored vector


@dataclass(frozen=True)
class VectorTable:
    """Every chunk's vector as one float32 matrix (row i belongs to ids[i]), with what
    the dense search needs to filter inside the search rather than after it."""

    ids: list[str]
    page_keys: list[str]
    languages: list[str]
    tags: list[tuple[str, ...]]
    matrix: npt.NDArray[np.float32]

    @classmethod
    def of(cls, rows: Sequence[VectorRow | Chunk], dimension: int) -> VectorTable:
        """The table of stored rows; a vector of another size stays zero (never matches)."""
        matrix = np.zeros((len(rows), dimension), dtype=np.float32)
        for index, row in enumerate(rows):
            vector = np.asarray(row.vector, dtype=np.float32)
            if vector.shape == (dimension,):
                matrix[index] = vector
        return cls(
            ids=[row.id for row in rows],
            page_keys=[row.page_key for row in rows],
            languages=[row.language for row in rows],
            tags=[row.tags for row in rows],
            matrix=matrix,
        )


@dataclass(frozen=True)
class VectorRow:
    """One chunk's entry in a VectorTable, as a backend reads it."""

    id: str
    page_key: str
    language: str
    tags: tuple[str, ...]
    vector: npt.ArrayLike


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class SearchMode:
    """How a store answers searches, for /health: on the server or scored in this process."""

    server_side: bool
    degraded: bool
    detail: str


@dataclass(frozen=True)
class IndexInfo:
    """The embedding model the stored vectors came from; mixing models is refused."""

    model: str
    dimension: int


@dataclass(frozen=True)
class NewsItem:
    id: str
    title: str
    url: str
    summary: str
    source: str
    author: str
    published: datetime
    published_estimated: bool = False
    content: str = ""
    tags: tuple[str, ...] = ()
    feed_url: str = ""
    guid: str = ""


@dataclass(frozen=True)
class Sample:
    id: str
    title: str
    description: str
    preview: str
    author: str
    author_url: str
    source: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feedback:
    span_id: str
    feedback_type: str
    created_at: datetime
    comment: str = ""
    trace_id: str = ""
    id: int | None = None
    forwarded_to: tuple[str, ...] = ()
    attempts: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class AnswerRecord:
    """One chat answer as the user saw it, kept (for a retention period) by its span id."""

    span_id: str
    trace_id: str
    question: str
    answer: str
    created_at: datetime
    sources: tuple[str, ...] = ()  # cited URLs, in the order they were sent
    provider: str = ""
    error_code: str = ""
    tools: tuple[str, ...] = ()  # the tools the answer called, in order
    duration_s: float = 0.0  # from the request to the stream's last line


class AnswerDigest(NamedTuple):
    """What insights read of one answer. A tuple, not a dataclass: a period holds 100k and
    more, and building frozen dataclasses would be most of the time spent."""

    question: str
    created_at: datetime
    cited: bool  # at least one source
    error_code: str
    tools: tuple[str, ...]
    duration_s: float


@dataclass(frozen=True)
class TelemetryEvent:
    event_type: str
    created_at: datetime
    data: dict[str, object] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class MagicKey:
    """A hashed access key; the key itself is never stored."""

    id: str
    key_hash: str
    label: str
    created_at: datetime
    enabled: bool = True
    expires_at: datetime | None = None
    requests_per_minute: int | None = None
    last_used_at: datetime | None = None
    admin: bool = False  # may read insights and metrics in production


@dataclass(frozen=True)
class Conversation:
    """A saved chat. `owner` is who may see it: `key:<magic key id>` in production, or
    `token:<hash of the browser's owner token>` in development; never a secret itself."""

    id: str
    owner: str
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int = 0


@dataclass(frozen=True)
class Citation:
    title: str
    url: str
    source: str


@dataclass(frozen=True)
class ToolCall:
    tool: str
    args: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ConversationMessage:
    """One question or answer; `seq` is its place in the conversation, from 0."""

    seq: int
    role: str  # user | assistant
    content: str
    created_at: datetime
    span_id: str = ""  # of the answer's chat span, which votes refer to
    trace_id: str = ""
    citations: tuple[Citation, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    status: str = "complete"  # complete | error | cancelled
    error_code: str = ""


@dataclass(frozen=True)
class ConversationShare:
    """A read-only link to the first `message_count` messages, found by its token's hash."""

    id: str
    token_hash: str
    conversation_id: str
    owner: str
    title: str
    message_count: int
    created_at: datetime
    expires_at: datetime | None = None


def key_range(prefix: str) -> tuple[str, str]:
    """Bounds of the keys that start with `prefix`, for an index range scan in any backend
    (a LIKE or a regex would read `_`, `%` or `.` in a source's name as wildcards)."""
    return prefix, prefix + "\U0010ffff"


@dataclass(frozen=True)
class KnowledgeSource:
    """A registered knowledge source: where its pages come from and how its last sync went.

    Its pages are stored under page keys that start with `name/`. `cursor` is what the next
    sync starts from: the last synced commit of a git source, the per-URL validators (JSON)
    of a web source.
    """

    name: str
    kind: str
    location: str
    created_at: datetime
    base_url: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    branch: str = ""
    root: str = ""  # the folder of a repository or tree that holds the pages; "" is all of it
    every_seconds: int = 0  # 0: synced only when asked
    max_pages: int = 500
    max_depth: int = 5  # links followed from a website's start page, at most
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str = ""
    last_summary: str = ""
    pages: int = 0
    chunks: int = 0
    failures: tuple[str, ...] = ()
    cursor: str = ""


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync of a source leaves on its record."""

    started_at: datetime
    finished_at: datetime
    error: str  # empty when the sync went through (some pages may still have failed)
    summary: str
    pages: int
    chunks: int
    failures: tuple[str, ...]
    cursor: str | None  # None keeps the stored cursor (a failed sync starts over from it)
