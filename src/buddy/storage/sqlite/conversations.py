"""Saved conversations: one row each, their messages in order, and their share links."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime

from buddy.storage.records import (
    Citation,
    Conversation,
    ConversationMessage,
    ConversationShare,
    Paged,
    PageRequest,
    ToolCall,
)
from buddy.storage.sqlite.codec import from_iso, to_iso
from buddy.storage.sqlite.database import SqliteDatabase
from buddy.storage.sqlite.rows import Table
from buddy.storage.terms import folded

CONVERSATIONS = Table(Conversation, "conversations", extra=("title_folded",))
SHARES = Table(ConversationShare, "conversation_shares")
_MESSAGE_COLUMNS = (
    "seq, role, content, created_at, span_id, trace_id, citations, tool_calls, status, error_code"
)


def _message_values(conversation_id: str, message: ConversationMessage) -> tuple[object, ...]:
    return (
        conversation_id,
        message.seq,
        message.role,
        message.content,
        to_iso(message.created_at),
        message.span_id,
        message.trace_id,
        json.dumps([asdict(citation) for citation in message.citations], ensure_ascii=False),
        json.dumps([asdict(call) for call in message.tool_calls], ensure_ascii=False),
        message.status,
        message.error_code,
    )


def _message(row: sqlite3.Row) -> ConversationMessage:
    return ConversationMessage(
        seq=int(row["seq"]),
        role=row["role"],
        content=row["content"],
        created_at=from_iso(row["created_at"]),
        span_id=row["span_id"],
        trace_id=row["trace_id"],
        citations=tuple(Citation(**item) for item in json.loads(row["citations"])),
        tool_calls=tuple(ToolCall(**item) for item in json.loads(row["tool_calls"])),
        status=row["status"],
        error_code=row["error_code"],
    )


def _insert_messages(
    conn: sqlite3.Connection, conversation_id: str, messages: Sequence[ConversationMessage]
) -> None:
    conn.executemany(
        f"INSERT INTO conversation_messages (conversation_id, {_MESSAGE_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_message_values(conversation_id, message) for message in messages],
    )


def _owned(conn: sqlite3.Connection, owner: str, conversation_id: str) -> Conversation | None:
    row = conn.execute(
        f"SELECT {CONVERSATIONS.columns()} FROM conversations WHERE id = ? AND owner = ?",
        (conversation_id, owner),
    ).fetchone()
    return None if row is None else CONVERSATIONS.read(row)


class SqliteConversationStore:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def add_conversation(
        self, conversation: Conversation, messages: Sequence[ConversationMessage] = ()
    ) -> None:
        def work(conn: sqlite3.Connection) -> None:
            stored = replace(conversation, message_count=len(messages))
            conn.execute(
                CONVERSATIONS.insert_sql(),
                CONVERSATIONS.values(stored, folded(stored.title)),
            )
            numbered = [replace(message, seq=seq) for seq, message in enumerate(messages)]
            _insert_messages(conn, conversation.id, numbered)

        await self._db.write(work)

    async def count_conversations(self, owner: str) -> int:
        return await self._db.read(
            lambda conn: int(
                conn.execute(
                    "SELECT count(*) FROM conversations WHERE owner = ?", (owner,)
                ).fetchone()[0]
            )
        )

    async def list_conversations(
        self, owner: str, paging: PageRequest, search: str | None = None
    ) -> Paged[Conversation]:
        where, args = "WHERE owner = ?", [owner]
        if search:
            where, args = f"{where} AND instr(title_folded, ?) > 0", [owner, folded(search)]

        def work(conn: sqlite3.Connection) -> Paged[Conversation]:
            total = int(
                conn.execute(f"SELECT count(*) FROM conversations {where}", args).fetchone()[0]
            )
            rows = conn.execute(
                f"SELECT {CONVERSATIONS.columns()} FROM conversations {where} "
                "ORDER BY updated_at DESC, id LIMIT ? OFFSET ?",
                [*args, paging.page_size, paging.offset],
            ).fetchall()
            items = [CONVERSATIONS.read(row) for row in rows]
            return Paged(items, total, paging.page, paging.page_size)

        return await self._db.read(work)

    async def get_conversation(self, owner: str, conversation_id: str) -> Conversation | None:
        return await self._db.read(lambda conn: _owned(conn, owner, conversation_id))

    async def conversation_messages(
        self, conversation_id: str, limit: int | None = None
    ) -> list[ConversationMessage]:
        def work(conn: sqlite3.Connection) -> list[ConversationMessage]:
            rows = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM conversation_messages "
                "WHERE conversation_id = ? ORDER BY seq LIMIT ?",
                (conversation_id, -1 if limit is None else limit),
            ).fetchall()
            return [_message(row) for row in rows]

        return await self._db.read(work)

    async def append_messages(
        self,
        owner: str,
        conversation_id: str,
        messages: Sequence[ConversationMessage],
        title: str = "",
    ) -> int | None:
        def work(conn: sqlite3.Connection) -> int | None:
            found = _owned(conn, owner, conversation_id)
            if found is None:
                return None
            first = found.message_count
            numbered = [replace(m, seq=first + i) for i, m in enumerate(messages)]
            _insert_messages(conn, conversation_id, numbered)
            updated = max([found.updated_at, *(m.created_at for m in messages)])
            new_title = found.title or title
            conn.execute(
                "UPDATE conversations SET message_count = ?, updated_at = ?, title = ?, "
                "title_folded = ? WHERE id = ?",
                (
                    first + len(messages),
                    to_iso(updated),
                    new_title,
                    folded(new_title),
                    conversation_id,
                ),
            )
            return first

        return await self._db.write(work)

    async def rename_conversation(
        self, owner: str, conversation_id: str, title: str, when: datetime
    ) -> Conversation | None:
        def work(conn: sqlite3.Connection) -> Conversation | None:
            conn.execute(
                "UPDATE conversations SET title = ?, title_folded = ?, updated_at = ? "
                "WHERE id = ? AND owner = ?",
                (title, folded(title), to_iso(when), conversation_id, owner),
            )
            return _owned(conn, owner, conversation_id)

        return await self._db.write(work)

    async def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        return await self._db.write(
            lambda conn: (
                conn.execute(
                    "DELETE FROM conversations WHERE id = ? AND owner = ?",
                    (conversation_id, owner),
                ).rowcount
                > 0
            )
        )

    async def add_share(self, share: ConversationShare) -> None:
        await self._db.write(lambda conn: conn.execute(SHARES.insert_sql(), SHARES.values(share)))

    async def share_by_hash(self, token_hash: str) -> ConversationShare | None:
        def work(conn: sqlite3.Connection) -> ConversationShare | None:
            row = conn.execute(
                f"SELECT {SHARES.columns()} FROM conversation_shares WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
            return None if row is None else SHARES.read(row)

        return await self._db.read(work)

    async def list_shares(self, owner: str, conversation_id: str) -> list[ConversationShare]:
        def work(conn: sqlite3.Connection) -> list[ConversationShare]:
            rows = conn.execute(
                f"SELECT {SHARES.columns()} FROM conversation_shares "
                "WHERE conversation_id = ? AND owner = ? ORDER BY created_at, id",
                (conversation_id, owner),
            ).fetchall()
            return [SHARES.read(row) for row in rows]

        return await self._db.read(work)

    async def delete_share(self, owner: str, share_id: str) -> bool:
        return await self._db.write(
            lambda conn: (
                conn.execute(
                    "DELETE FROM conversation_shares WHERE id = ? AND owner = ?",
                    (share_id, owner),
                ).rowcount
                > 0
            )
        )

    async def delete_conversations_before(self, cutoff: datetime) -> int:
        return await self._db.write(
            lambda conn: (
                conn.execute(
                    "DELETE FROM conversations WHERE updated_at < ?", (to_iso(cutoff),)
                ).rowcount
            )
        )
