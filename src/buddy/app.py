"""The application factory. Importing this module starts nothing and reads no settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from buddy import __version__
from buddy.config import Settings, load_settings
from buddy.errors import install_error_handlers
from buddy.health.endpoints import router as health_router
from buddy.middleware import BodySizeLimit
from buddy.storage.factory import create_storage

log = structlog.get_logger(__name__)

DESCRIPTION = (
    "Answers for C#/.NET developers building AI apps: a streamed, cited chat, "
    "a samples gallery, news, NuGet data and feedback."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app; settings are read from the environment when not given."""
    settings = settings if settings is not None else load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        storage = create_storage(settings)
        await storage.open()
        app.state.storage = storage
        log.info("service_started", storage=storage.name, environment=settings.environment.value)
        try:
            yield
        finally:
            await storage.close()
            log.info("service_stopped")

    app = FastAPI(
        title="C# AI Buddy",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        # Browsers reject credentials with a wildcard origin; only listed origins get them.
        allow_credentials="*" not in settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "X-Magic-Key"],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.include_router(health_router)
    return app
