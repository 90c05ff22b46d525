"""Serving the page's files with the headers a strict browser policy needs."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"

# The page runs only its own files: no inline script or style, no framing, no plugins.
# connect-src 'self' keeps every fetch on this origin; images only from here or data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # Files are not fingerprinted: the browser may keep them but must revalidate (ETag).
    "Cache-Control": "no-cache",
}
DOCUMENT_HEADERS = SECURITY_HEADERS | {"Content-Security-Policy": CONTENT_SECURITY_POLICY}


class WebAssets(StaticFiles):
    """Static files that always carry the security headers."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(SECURITY_HEADERS)
        return response


def web_assets() -> WebAssets:
    return WebAssets(directory=STATIC_DIR)
