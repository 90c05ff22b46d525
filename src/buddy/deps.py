"""Annotated dependency aliases, so endpoints read like their intent."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from buddy.config import Settings
from buddy.storage.base import Storage


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
