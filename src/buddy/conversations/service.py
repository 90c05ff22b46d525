"""Saved conversations: who may see them, their limits, share links, and the chat's record."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from buddy.config import Settings
from buddy.conversations.schemas import (
    ConversationDetail,
    ConversationOut,
    ConversationPage,
    MessageOut,
    NewShareOut,
    SharedConversation,
    ShareList,
    ShareOut,
)
from buddy.errors import BuddyError, NotFoundError, PayloadTooLargeError
from buddy.storage.base import Storage
from buddy.storage.records import (
    Conversation,
    ConversationMessage,
    ConversationShare,
    PageRequest,
)

TITLE_CHARS = 80  # of the first question, when it becomes the title


class ConversationNotFoundError(NotFoundError):
    code = "conversation_not_found"


class ShareNotFoundError(NotFoundError):
    code = "share_not_found"


class ConversationLimitError(BuddyError):
    status_code = 409
    code = "conversation_limit"


class ConversationFullError(PayloadTooLargeError):
    code = "conversation_full"


def _not_found() -> ConversationNotFoundError:
    # The same answer for another owner's conversation as for none, so ids cannot be probed.
    return ConversationNotFoundError("No conversation with this id.")


def _share_gone() -> ShareNotFoundError:
    return ShareNotFoundError("This share link does not exist, has expired or was revoked.")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def title_of(question: str) -> str:
    """The first question on one line, cut at a word near TITLE_CHARS."""
    text = re.sub(r"\s+", " ", question).strip()
    if len(text) <= TITLE_CHARS:
        return text
    cut = text[: TITLE_CHARS - 1]
    if " " in cut[TITLE_CHARS // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


async def create(
    storage: Storage,
    settings: Settings,
    owner: str,
    title: str = "",
    messages: Sequence[ConversationMessage] = (),
) -> ConversationOut:
    limit = settings.max_conversations_per_owner
    if await storage.conversations.count_conversations(owner) >= limit:
        raise ConversationLimitError(
            f"You have {limit} saved conversations, the most allowed "
            "(BUDDY_MAX_CONVERSATIONS_PER_OWNER); delete some to start new ones."
        )
    now = datetime.now(UTC)
    conversation = Conversation(secrets.token_urlsafe(16), owner, title, now, now, len(messages))
    await storage.conversations.add_conversation(conversation, messages)
    return ConversationOut.from_record(conversation)


async def list_page(
    storage: Storage, owner: str, paging: PageRequest, search: str | None
) -> ConversationPage:
    page = await storage.conversations.list_conversations(owner, paging, search)
    items = [ConversationOut.from_record(item) for item in page.items]
    return ConversationPage(items=items, **page.paging_fields())


async def owned(storage: Storage, owner: str, conversation_id: str) -> Conversation:
    found = await storage.conversations.get_conversation(owner, conversation_id)
    if found is None:
        raise _not_found()
    return found


async def _messages_out(
    storage: Storage, messages: list[ConversationMessage], with_votes: bool
) -> list[MessageOut]:
    spans = [m.span_id for m in messages if m.span_id]
    votes = await storage.feedback.latest_votes(spans) if with_votes and spans else {}
    return [MessageOut.from_record(m, votes.get(m.span_id)) for m in messages]


async def detail(storage: Storage, owner: str, conversation_id: str) -> ConversationDetail:
    conversation = await owned(storage, owner, conversation_id)
    messages = await storage.conversations.conversation_messages(conversation_id)
    return ConversationDetail(
        **ConversationOut.from_record(conversation).model_dump(),
        messages=await _messages_out(storage, messages, with_votes=True),
    )


async def rename(storage: Storage, owner: str, conversation_id: str, title: str) -> ConversationOut:
    renamed = await storage.conversations.rename_conversation(
        owner, conversation_id, title, datetime.now(UTC)
    )
    if renamed is None:
        raise _not_found()
    return ConversationOut.from_record(renamed)


async def delete(storage: Storage, owner: str, conversation_id: str) -> None:
    if not await storage.conversations.delete_conversation(owner, conversation_id):
        raise _not_found()


async def share(
    storage: Storage, owner: str, conversation_id: str, expires_in_days: int | None
) -> NewShareOut:
    """A link to the conversation as it is now; messages added later stay out of it."""
    conversation = await owned(storage, owner, conversation_id)
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    record = ConversationShare(
        id=secrets.token_urlsafe(9),
        token_hash=token_hash(token),
        conversation_id=conversation.id,
        owner=owner,
        title=conversation.title,
        message_count=conversation.message_count,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    await storage.conversations.add_share(record)
    return NewShareOut(
        **ShareOut.from_record(record).model_dump(), token=token, url=f"/share/{token}"
    )


async def shares(storage: Storage, owner: str, conversation_id: str) -> ShareList:
    await owned(storage, owner, conversation_id)
    found = await storage.conversations.list_shares(owner, conversation_id)
    return ShareList(items=[ShareOut.from_record(item) for item in found])


async def revoke(storage: Storage, owner: str, conversation_id: str, share_id: str) -> None:
    listed = await storage.conversations.list_shares(owner, conversation_id)
    if share_id not in {item.id for item in listed}:
        raise _share_gone()
    await storage.conversations.delete_share(owner, share_id)


async def revoke_by_token(storage: Storage, owner: str, token: str) -> None:
    found = await storage.conversations.share_by_hash(token_hash(token))
    if found is None or found.owner != owner:
        raise _share_gone()
    await storage.conversations.delete_share(owner, found.id)


async def _live_share(
    storage: Storage, token: str
) -> tuple[ConversationShare, list[ConversationMessage]]:
    found = await storage.conversations.share_by_hash(token_hash(token))
    now = datetime.now(UTC)
    if found is None or (found.expires_at is not None and found.expires_at <= now):
        raise _share_gone()
    if await storage.conversations.get_conversation(found.owner, found.conversation_id) is None:
        raise _share_gone()
    messages = await storage.conversations.conversation_messages(
        found.conversation_id, limit=found.message_count
    )
    return found, messages


async def read_share(storage: Storage, token: str) -> SharedConversation:
    """What was asked and answered when the link was made; votes stay private."""
    found, messages = await _live_share(storage, token)
    return SharedConversation(
        title=found.title,
        shared_at=found.created_at,
        expires_at=found.expires_at,
        messages=await _messages_out(storage, messages, with_votes=False),
    )


async def continue_share(
    storage: Storage, settings: Settings, owner: str, token: str
) -> ConversationOut:
    """A copy of the shared messages as a new conversation of `owner`, independent of the
    original from here on."""
    found, messages = await _live_share(storage, token)
    return await create(storage, settings, owner, found.title, messages)


async def check_room(
    storage: Storage, settings: Settings, owner: str, conversation_id: str
) -> None:
    """Before a chat stream opens: the conversation is the caller's and has room for a
    question and its answer."""
    conversation = await owned(storage, owner, conversation_id)
    limit = settings.max_conversation_messages
    if conversation.message_count + 2 > limit:
        raise ConversationFullError(
            f"This conversation holds {conversation.message_count} messages; the limit is "
            f"{limit} (BUDDY_MAX_CONVERSATION_MESSAGES). Start a new conversation."
        )
