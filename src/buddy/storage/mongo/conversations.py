"""Saved conversations, each one document with its messages inside, and share links.

One document per conversation makes an append one atomic update (the new messages' places
come from the same `$inc` that counts them) and lets one TTL index expire a conversation
whole. The message cap (BUDDY_MAX_CONVERSATION_MESSAGES) keeps documents far below 16 MB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument

from buddy.storage.mongo.codec import (
    literal_pattern,
    read_time,
    read_time_or_none,
    utc,
    utc_or_none,
)
from buddy.storage.mongo.connection import (
    CONVERSATIONS,
    SHARES,
    Collection,
    Document,
    MongoDatabase,
    guarded,
)
from buddy.storage.records import (
    Citation,
    Conversation,
    ConversationMessage,
    ConversationShare,
    Paged,
    PageRequest,
    ToolCall,
)
from buddy.storage.terms import folded

_SUMMARY: Document = {"messages": False}


def _message_document(message: ConversationMessage) -> Document:
    return {
        "role": message.role,
        "content": message.content,
        "created_at": utc(message.created_at),
        "span_id": message.span_id,
        "trace_id": message.trace_id,
        "citations": [asdict(citation) for citation in message.citations],
        "tool_calls": [asdict(call) for call in message.tool_calls],
        "status": message.status,
        "error_code": message.error_code,
    }


def _message(seq: int, doc: Document) -> ConversationMessage:
    return ConversationMessage(
        seq=seq,
        role=str(doc.get("role", "")),
        content=str(doc.get("content", "")),
        created_at=read_time(doc.get("created_at")),
        span_id=str(doc.get("span_id", "")),
        trace_id=str(doc.get("trace_id", "")),
        citations=tuple(
            Citation(str(c.get("title", "")), str(c.get("url", "")), str(c.get("source", "")))
            for c in doc.get("citations") or ()
        ),
        tool_calls=tuple(
            ToolCall(str(c.get("tool", "")), dict(c.get("args") or {}))
            for c in doc.get("tool_calls") or ()
        ),
        status=str(doc.get("status", "complete")),
        error_code=str(doc.get("error_code", "")),
    )


def _conversation(doc: Document) -> Conversation:
    return Conversation(
        id=str(doc["_id"]),
        owner=str(doc.get("owner", "")),
        title=str(doc.get("title", "")),
        created_at=read_time(doc.get("created_at")),
        updated_at=read_time(doc.get("updated_at")),
        message_count=int(doc.get("message_count", 0)),
    )


def _share(doc: Document) -> ConversationShare:
    return ConversationShare(
        id=str(doc["_id"]),
        token_hash=str(doc.get("token_hash", "")),
        conversation_id=str(doc.get("conversation_id", "")),
        owner=str(doc.get("owner", "")),
        title=str(doc.get("title", "")),
        message_count=int(doc.get("message_count", 0)),
        created_at=read_time(doc.get("created_at")),
        expires_at=read_time_or_none(doc.get("expires_at")),
    )


class MongoConversationStore:
    def __init__(self, db: MongoDatabase, retention_days: int) -> None:
        self._db = db
        self._retention = timedelta(days=retention_days)

    @property
    def _conversations(self) -> Collection:
        return self._db.collection(CONVERSATIONS)

    @property
    def _shares(self) -> Collection:
        return self._db.collection(SHARES)

    def _expiry(self, updated: datetime) -> datetime:
        """When the TTL index removes a conversation nobody touched since `updated`."""
        return utc(updated) + self._retention

    @guarded
    async def add_conversation(
        self, conversation: Conversation, messages: Sequence[ConversationMessage] = ()
    ) -> None:
        await self._conversations.insert_one(
            {
                "_id": conversation.id,
                "owner": conversation.owner,
                "title": conversation.title,
                "title_folded": folded(conversation.title),
                "created_at": utc(conversation.created_at),
                "updated_at": utc(conversation.updated_at),
                "expires_at": self._expiry(conversation.updated_at),
                "message_count": len(messages),
                "messages": [_message_document(message) for message in messages],
            }
        )

    @guarded
    async def count_conversations(self, owner: str) -> int:
        return int(await self._conversations.count_documents({"owner": str(owner)}))

    @guarded
    async def list_conversations(
        self, owner: str, paging: PageRequest, search: str | None = None
    ) -> Paged[Conversation]:
        wanted: Document = {"owner": str(owner)}
        if search:
            wanted["title_folded"] = {"$regex": literal_pattern(folded(search))}
        total = await self._conversations.count_documents(wanted)
        cursor = (
            self._conversations.find(wanted, _SUMMARY)
            .sort([("updated_at", -1), ("_id", 1)])
            .skip(paging.offset)
            .limit(paging.page_size)
        )
        items = [_conversation(doc) async for doc in cursor]
        return Paged(items, int(total), paging.page, paging.page_size)

    @guarded
    async def get_conversation(self, owner: str, conversation_id: str) -> Conversation | None:
        found = await self._conversations.find_one(
            {"_id": str(conversation_id), "owner": str(owner)}, _SUMMARY
        )
        return None if found is None else _conversation(found)

    @guarded
    async def conversation_messages(
        self, conversation_id: str, limit: int | None = None
    ) -> list[ConversationMessage]:
        found = await self._conversations.find_one(
            {"_id": str(conversation_id)}, {"messages": True}
        )
        stored = [] if found is None else list(found.get("messages") or ())
        return [_message(seq, doc) for seq, doc in enumerate(stored[:limit])]

    @guarded
    async def append_messages(
        self,
        owner: str,
        conversation_id: str,
        messages: Sequence[ConversationMessage],
        title: str = "",
    ) -> int | None:
        now = max([datetime.now(UTC), *(utc(m.created_at) for m in messages)])
        after = await self._conversations.find_one_and_update(
            {"_id": str(conversation_id), "owner": str(owner)},
            {
                "$push": {"messages": {"$each": [_message_document(m) for m in messages]}},
                "$inc": {"message_count": len(messages)},
                "$set": {"updated_at": now, "expires_at": self._expiry(now)},
            },
            projection={"message_count": True, "title": True},
            upsert=False,
            return_document=ReturnDocument.AFTER,
        )
        if after is None:
            return None
        if title and not after.get("title"):
            # Only while still untitled: a rename that landed in between wins.
            await self._conversations.update_one(
                {"_id": str(conversation_id), "title": ""},
                {"$set": {"title": title, "title_folded": folded(title)}},
            )
        return int(after["message_count"]) - len(messages)

    @guarded
    async def rename_conversation(
        self, owner: str, conversation_id: str, title: str, when: datetime
    ) -> Conversation | None:
        found = await self._conversations.find_one_and_update(
            {"_id": str(conversation_id), "owner": str(owner)},
            {
                "$set": {
                    "title": title,
                    "title_folded": folded(title),
                    "updated_at": utc(when),
                    "expires_at": self._expiry(when),
                }
            },
            projection=_SUMMARY,
            upsert=False,
            return_document=ReturnDocument.AFTER,
        )
        return None if found is None else _conversation(found)

    @guarded
    async def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        result = await self._conversations.delete_one(
            {"_id": str(conversation_id), "owner": str(owner)}
        )
        if not result.deleted_count:
            return False
        await self._shares.delete_many({"conversation_id": str(conversation_id)})
        return True

    @guarded
    async def add_share(self, share: ConversationShare) -> None:
        await self._shares.insert_one(
            {
                "_id": share.id,
                "token_hash": share.token_hash,
                "conversation_id": share.conversation_id,
                "owner": share.owner,
                "title": share.title,
                "message_count": share.message_count,
                "created_at": utc(share.created_at),
                # The TTL index removes expired links; a link without expiry has no date.
                "expires_at": utc_or_none(share.expires_at),
            }
        )

    @guarded
    async def share_by_hash(self, token_hash: str) -> ConversationShare | None:
        found = await self._shares.find_one({"token_hash": {"$eq": str(token_hash)}})
        return None if found is None else _share(found)

    @guarded
    async def list_shares(self, owner: str, conversation_id: str) -> list[ConversationShare]:
        cursor = self._shares.find(
            {"conversation_id": str(conversation_id), "owner": str(owner)}
        ).sort([("created_at", 1), ("_id", 1)])
        return [_share(doc) async for doc in cursor]

    @guarded
    async def delete_share(self, owner: str, share_id: str) -> bool:
        result = await self._shares.delete_one({"_id": str(share_id), "owner": str(owner)})
        return bool(result.deleted_count)

    @guarded
    async def delete_conversations_before(self, cutoff: datetime) -> int:
        old = {"updated_at": {"$lt": utc(cutoff)}}
        gone = [str(doc["_id"]) async for doc in self._conversations.find(old, {"_id": True})]
        result = await self._conversations.delete_many({"_id": {"$in": gone}})
        # Shares of these, and of conversations the TTL index already removed.
        shared = {
            str(doc["conversation_id"])
            async for doc in self._shares.find({}, {"conversation_id": 1})
        }
        living = {
            str(doc["_id"])
            async for doc in self._conversations.find({"_id": {"$in": sorted(shared)}}, {"_id": 1})
        }
        await self._shares.delete_many({"conversation_id": {"$in": sorted(shared - living)}})
        return int(result.deleted_count)
