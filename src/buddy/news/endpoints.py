from __future__ import annotations

from fastapi import APIRouter, Request, Response

from buddy.deps import PagingDep, SearchDep, StorageDep
from buddy.errors import error_responses
from buddy.news import service
from buddy.news.schemas import NewsPage
from buddy.routing import CheckedRoute

router = APIRouter(prefix="/api/news", tags=["news"], route_class=CheckedRoute)


@router.get("", summary="News items, newest first", responses=error_responses(422, 429, 503))
async def list_news(storage: StorageDep, paging: PagingDep, search: SearchDep = None) -> NewsPage:
    return await service.list_news(storage, paging, search)


@router.get(
    "/rss",
    summary="RSS 2.0 feed of the latest 50 items",
    response_class=Response,
    responses={200: {"content": {"application/rss+xml": {}}}, **error_responses(429, 503)},
)
async def news_rss(storage: StorageDep, request: Request) -> Response:
    body = await service.news_rss(storage, str(request.url), str(request.base_url))
    return Response(body, media_type="application/rss+xml; charset=utf-8")
