"""Storage protocols: the only way domains reach data. One backend per engine implements them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from buddy.storage.records import (
    AnswerDigest,
    AnswerRecord,
    Chunk,
    Conversation,
    ConversationMessage,
    ConversationShare,
    DocPage,
    Feedback,
    IndexInfo,
    KnowledgeSource,
    MagicKey,
    NewsItem,
    Paged,
    PageRequest,
    Sample,
    ScoredChunk,
    SearchMode,
    SyncOutcome,
    TelemetryEvent,
    UpsertCounts,
    VectorTable,
)


class ChunkStore(Protocol):
    """Document chunks with their vectors, grouped by page."""

    async def page_hashes(self) -> dict[str, str]:
        """Content hash of every stored page, by page key."""
        ...

    async def replace_page(self, page: DocPage, chunks: Sequence[Chunk]) -> None:
        """Store a page and its chunks in one transaction, dropping its old chunks."""
        ...

    async def delete_pages(self, keys: Sequence[str]) -> int:
        """Remove pages and their chunks; returns how many pages went."""
        ...

    async def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked; unknown ids are skipped."""
        ...

    async def pages(self) -> list[DocPage]:
        """Every stored page, by key (copying a store needs them)."""
        ...

    async def chunks_of_pages(self, page_keys: Sequence[str]) -> dict[str, list[Chunk]]:
        """The chunks of each page in reading order, without vectors (see vector_table), in
        one query; pages without chunks are left out."""
        ...

    async def vector_table(self, dimension: int) -> VectorTable:
        """Every chunk's vector and filter fields, for building the in-memory dense index."""
        ...

    async def vectors_by_text_hash(self, hashes: Sequence[str]) -> dict[str, tuple[float, ...]]:
        """Stored vectors of chunks whose embedded text has one of these hashes."""
        ...

    async def chunks_version(self) -> int:
        """A number that changes whenever any page or chunk is written or removed."""
        ...

    async def keyword_search(
        self, query: str, limit: int, tags: Sequence[str] = (), languages: Sequence[str] = ()
    ) -> list[ScoredChunk]:
        """Full-text search with every tag required and, when given, one of the languages.

        The query is literal text, never search syntax; higher scores are better. Chunks come
        without vectors (see vector_table).
        """
        ...

    async def vector_search(
        self,
        vector: Sequence[float],
        limit: int,
        tags: Sequence[str] = (),
        languages: Sequence[str] = (),
    ) -> list[ScoredChunk] | None:
        """Nearest chunks by cosine similarity, searched on the server, filtered like
        keyword_search; scores are cosine similarities and chunks come without vectors.

        None means this store cannot search vectors itself right now: the caller then scores
        `vector_table` in memory.
        """
        ...

    async def search_mode(self) -> SearchMode: ...

    async def count_chunks(self) -> int: ...

    async def count_under(self, prefix: str) -> tuple[int, int]:
        """How many pages, and chunks of them, have keys starting with `prefix`."""
        ...

    async def index_info(self) -> IndexInfo | None: ...

    async def set_index_info(self, info: IndexInfo) -> None: ...


class NewsStore(Protocol):
    async def upsert_news(self, items: Sequence[NewsItem]) -> UpsertCounts:
        """Insert or update by id; an identical item counts as unchanged."""
        ...

    async def list_news(self, paging: PageRequest, search: str | None = None) -> Paged[NewsItem]:
        """Newest first; `search` is matched literally, case-insensitively."""
        ...

    async def search_news(self, query: str, limit: int) -> list[NewsItem]:
        """Best keyword matches for the agent's news tool."""
        ...

    async def count_news(self) -> int: ...


class SampleStore(Protocol):
    """The samples catalog. It is small, so the gallery filters it in memory (see samples/)."""

    async def upsert_samples(self, samples: Sequence[Sample]) -> UpsertCounts: ...

    async def delete_samples_except(self, keep_ids: Sequence[str]) -> int:
        """Remove every sample whose id is not listed; returns how many went."""
        ...

    async def get_sample(self, sample_id: str) -> Sample | None: ...

    async def all_samples(self) -> list[Sample]: ...

    async def samples_version(self) -> int:
        """A number that changes whenever any sample is added, changed or removed."""
        ...


class FeedbackStore(Protocol):
    async def add_feedback(self, feedback: Feedback) -> Feedback:
        """Store a vote; returns it with its id."""
        ...

    async def pending_feedback(self, target: str, limit: int, max_attempts: int) -> list[Feedback]:
        """Votes not yet forwarded to `target` and tried fewer than `max_attempts` times,
        oldest first."""
        ...

    async def count_pending(self, target: str, max_attempts: int) -> int:
        """How many votes `pending_feedback` would still hand out for `target`."""
        ...

    async def mark_forwarded(self, feedback_id: int, target: str) -> None: ...

    async def record_failure(self, feedback_id: int, error: str) -> None: ...

    async def list_feedback(
        self, since: datetime | None = None, feedback_type: str | None = None
    ) -> list[Feedback]:
        """Votes, oldest first, optionally from `since` on and of one type."""
        ...

    async def latest_votes(self, span_ids: Sequence[str]) -> dict[str, str]:
        """The newest vote's type for each of these answers that has one."""
        ...


class AnswerStore(Protocol):
    """What each chat answer was (question, sources, text), keyed by its span id, so rated
    answers can become eval cases."""

    async def add_answer(self, answer: AnswerRecord) -> None: ...

    async def answers_for(self, span_ids: Sequence[str]) -> dict[str, AnswerRecord]: ...

    async def answer_digests(self, since: datetime) -> list[AnswerDigest]:
        """What insights read of each answer from `since` on, oldest first (never the
        answer's text)."""
        ...

    async def delete_answers_before(self, cutoff: datetime) -> int: ...


class ConversationStore(Protocol):
    """Saved conversations, their messages and share links. Every call that names an owner
    acts only on that owner's conversations: another owner's look the same as none."""

    async def add_conversation(
        self, conversation: Conversation, messages: Sequence[ConversationMessage] = ()
    ) -> None:
        """Store a new conversation, with messages already in it (a continued share)."""
        ...

    async def count_conversations(self, owner: str) -> int: ...

    async def list_conversations(
        self, owner: str, paging: PageRequest, search: str | None = None
    ) -> Paged[Conversation]:
        """Most recently updated first; `search` is matched in titles, literally and
        case-insensitively."""
        ...

    async def get_conversation(self, owner: str, conversation_id: str) -> Conversation | None: ...

    async def conversation_messages(
        self, conversation_id: str, limit: int | None = None
    ) -> list[ConversationMessage]:
        """The messages in order; with `limit`, only the first `limit` of them."""
        ...

    async def append_messages(
        self,
        owner: str,
        conversation_id: str,
        messages: Sequence[ConversationMessage],
        title: str = "",
    ) -> int | None:
        """Add messages at the end (their `seq` is assigned here) and, when the conversation
        has no title yet, give it `title`; returns the first new seq, None when not found."""
        ...

    async def rename_conversation(
        self, owner: str, conversation_id: str, title: str, when: datetime
    ) -> Conversation | None: ...

    async def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        """Remove it with its messages and shares; False when not found."""
        ...

    async def add_share(self, share: ConversationShare) -> None: ...

    async def share_by_hash(self, token_hash: str) -> ConversationShare | None: ...

    async def list_shares(self, owner: str, conversation_id: str) -> list[ConversationShare]:
        """Oldest first."""
        ...

    async def delete_share(self, owner: str, share_id: str) -> bool: ...

    async def delete_conversations_before(self, cutoff: datetime) -> int:
        """Remove conversations last updated before `cutoff`, with their messages and
        shares; returns how many conversations went."""
        ...


class SourceStore(Protocol):
    """Registered knowledge sources, shared by every instance on the store."""

    async def add_source(self, source: KnowledgeSource) -> bool:
        """False when a source of that name exists already."""
        ...

    async def get_source(self, name: str) -> KnowledgeSource | None: ...

    async def list_sources(self) -> list[KnowledgeSource]:
        """By name."""
        ...

    async def record_sync(self, name: str, outcome: SyncOutcome) -> None:
        """Keep how a sync went; a failed one keeps the last success and the cursor."""
        ...

    async def remove_source(self, name: str) -> int | None:
        """Remove the source with its pages and their chunks; returns how many pages went,
        None when there is no such source."""
        ...

    async def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Hold the source's sync lease until `until` when it is free, expired or already
        `holder`'s; False when another holder has it."""
        ...

    async def release_lease(self, name: str, holder: str) -> None: ...


class TelemetryStore(Protocol):
    async def add_event(self, event: TelemetryEvent) -> TelemetryEvent: ...

    async def delete_events_before(self, cutoff: datetime) -> int: ...


class MagicKeyStore(Protocol):
    async def add_key(self, key: MagicKey) -> None: ...

    async def key_by_hash(self, key_hash: str) -> MagicKey | None: ...

    async def list_keys(self) -> list[MagicKey]: ...

    async def set_key_enabled(self, key_id: str, enabled: bool) -> bool:
        """Returns False when no key has that id."""
        ...

    async def touch_key(self, key_id: str, when: datetime) -> None: ...


class StateStore(Protocol):
    """Small named values kept between runs (feed ETags, one-time markers)."""

    async def get_state(self, key: str) -> str | None: ...

    async def set_state(self, key: str, value: str) -> None: ...


class Storage(Protocol):
    """A whole backend: one store per record kind plus its lifecycle."""

    @property
    def name(self) -> str: ...

    @property
    def chunks(self) -> ChunkStore: ...

    @property
    def news(self) -> NewsStore: ...

    @property
    def samples(self) -> SampleStore: ...

    @property
    def feedback(self) -> FeedbackStore: ...

    @property
    def telemetry(self) -> TelemetryStore: ...

    @property
    def answers(self) -> AnswerStore: ...

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def keys(self) -> MagicKeyStore: ...

    @property
    def sources(self) -> SourceStore: ...

    @property
    def state(self) -> StateStore: ...

    async def open(self) -> None:
        """Connect and bring the schema up to date."""
        ...

    async def prepare(self, vector_dimension: int, report: Callable[[str], None]) -> None:
        """Create what the engine needs beyond `open()` (search indexes for vectors of this
        size); safe to run again. `report` receives one line per step for the operator."""
        ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise StorageError when the store cannot answer."""
        ...
