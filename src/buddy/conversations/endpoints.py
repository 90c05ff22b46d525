"""Saved conversations and their share links. Every route but reading a share acts for one
owner (X-Owner-Token in development, the magic key in production); another owner's
conversations answer 404, exactly as missing ones do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Response

from buddy.conversations import service
from buddy.conversations.schemas import (
    ConversationCreate,
    ConversationDetail,
    ConversationId,
    ConversationOut,
    ConversationPage,
    ConversationRename,
    NewShareOut,
    ShareCreate,
    SharedConversation,
    ShareList,
    ShareToken,
)
from buddy.deps import OwnerDep, PagingDep, SearchDep, SettingsDep, StorageDep
from buddy.errors import error_responses
from buddy.routing import CheckedRoute

router = APIRouter(prefix="/api", tags=["conversations"], route_class=CheckedRoute)

IdPath = Annotated[ConversationId, Path(description="The conversation's id.")]
TokenPath = Annotated[ShareToken, Path(description="The secret part of a share link.")]
_OWNED = (401, 403, 404, 422, 429, 503)


@router.post(
    "/conversations",
    status_code=201,
    summary="Start a saved conversation",
    responses=error_responses(401, 403, 409, 413, 415, 422, 429, 503),
)
async def create_conversation(
    storage: StorageDep,
    settings: SettingsDep,
    owner: OwnerDep,
    body: Annotated[ConversationCreate | None, Body()] = None,
) -> ConversationOut:
    title = body.title if body is not None else ""
    return await service.create(storage, settings, owner, title)


@router.get(
    "/conversations",
    summary="The caller's conversations, most recently updated first",
    responses=error_responses(401, 403, 422, 429, 503),
)
async def list_conversations(
    storage: StorageDep, owner: OwnerDep, paging: PagingDep, search: SearchDep
) -> ConversationPage:
    return await service.list_page(storage, owner, paging, search)


@router.get(
    "/conversations/{conversation_id}",
    summary="One conversation with its messages, citations and votes",
    responses=error_responses(*_OWNED),
)
async def get_conversation(
    storage: StorageDep, owner: OwnerDep, conversation_id: IdPath
) -> ConversationDetail:
    return await service.detail(storage, owner, conversation_id)


@router.patch(
    "/conversations/{conversation_id}",
    summary="Rename a conversation",
    responses=error_responses(401, 403, 404, 413, 415, 422, 429, 503),
)
async def rename_conversation(
    storage: StorageDep, owner: OwnerDep, conversation_id: IdPath, body: ConversationRename
) -> ConversationOut:
    return await service.rename(storage, owner, conversation_id, body.title)


@router.delete(
    "/conversations/{conversation_id}",
    status_code=204,
    summary="Delete a conversation and its share links, at once",
    responses=error_responses(*_OWNED),
)
async def delete_conversation(
    storage: StorageDep, owner: OwnerDep, conversation_id: IdPath
) -> Response:
    await service.delete(storage, owner, conversation_id)
    return Response(status_code=204)


@router.post(
    "/conversations/{conversation_id}/shares",
    status_code=201,
    summary="Make a read-only link to the conversation as it is now",
    responses=error_responses(401, 403, 404, 413, 415, 422, 429, 503),
)
async def create_share(
    storage: StorageDep,
    owner: OwnerDep,
    conversation_id: IdPath,
    body: Annotated[ShareCreate | None, Body()] = None,
) -> NewShareOut:
    days = body.expires_in_days if body is not None else None
    return await service.share(storage, owner, conversation_id, days)


@router.get(
    "/conversations/{conversation_id}/shares",
    summary="The conversation's live share links (their tokens are not kept)",
    responses=error_responses(*_OWNED),
)
async def list_shares(storage: StorageDep, owner: OwnerDep, conversation_id: IdPath) -> ShareList:
    return await service.shares(storage, owner, conversation_id)


@router.delete(
    "/conversations/{conversation_id}/shares/{share_id}",
    status_code=204,
    summary="Revoke a share link by its id",
    responses=error_responses(*_OWNED),
)
async def revoke_share(
    storage: StorageDep,
    owner: OwnerDep,
    conversation_id: IdPath,
    share_id: Annotated[str, Path(max_length=64)],
) -> Response:
    await service.revoke(storage, owner, conversation_id, share_id)
    return Response(status_code=204)


@router.get(
    "/shares/{token}",
    summary="A shared conversation, read-only (no owner needed)",
    responses=error_responses(404, 422, 429, 503),
)
async def read_share(storage: StorageDep, token: TokenPath) -> SharedConversation:
    return await service.read_share(storage, token)


@router.delete(
    "/shares/{token}",
    status_code=204,
    summary="Revoke a share link by its token (its owner only)",
    responses=error_responses(*_OWNED),
)
async def revoke_share_by_token(storage: StorageDep, owner: OwnerDep, token: TokenPath) -> Response:
    await service.revoke_by_token(storage, owner, token)
    return Response(status_code=204)


@router.post(
    "/shares/{token}/continue",
    status_code=201,
    summary="Copy a shared conversation into a new one of the caller's",
    responses=error_responses(401, 403, 404, 409, 422, 429, 503),
)
async def continue_share(
    storage: StorageDep, settings: SettingsDep, owner: OwnerDep, token: TokenPath
) -> ConversationOut:
    return await service.continue_share(storage, settings, owner, token)
