from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from buddy.errors import error_responses
from buddy.routing import CheckedRoute
from buddy.web.assets import DOCUMENT_HEADERS, STATIC_DIR
from buddy.web.schemas import PageOptions
from buddy.web.service import page_options

router = APIRouter(tags=["web"], route_class=CheckedRoute)


def _document(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html", headers=DOCUMENT_HEADERS)


@router.get("/", include_in_schema=False)
async def home() -> FileResponse:
    return _document("index.html")


@router.get("/privacy", include_in_schema=False)
async def privacy() -> FileResponse:
    return _document("privacy.html")


@router.get("/share/{token}", include_in_schema=False)
async def shared_conversation(token: str) -> FileResponse:
    """The read-only page of a share link; the page asks the API for the conversation, so an
    unknown, expired or revoked token is explained there rather than as a bare 404."""
    return _document("share.html")


@router.get("/admin", include_in_schema=False)
async def admin() -> FileResponse:
    """The insights page; its data route asks for the admin key, the page itself is static."""
    return _document("admin.html")


@router.get(
    "/api/options",
    summary="Chat filter values and tag labels for the web page",
    responses=error_responses(429),
)
async def options() -> PageOptions:
    return page_options()
