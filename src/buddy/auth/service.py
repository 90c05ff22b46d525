"""Magic-key checks. Production fails closed: no valid key, no chat."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from buddy.config import Settings
from buddy.errors import BuddyError
from buddy.storage.base import Storage


class MissingKeyError(BuddyError):
    status_code = 401
    code = "magic_key_required"


class InvalidKeyError(BuddyError):
    status_code = 403
    code = "magic_key_invalid"


def hash_key(key: str, pepper: str) -> str:
    """SHA-256 of the key with the install's pepper; only this is ever stored."""
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


async def require_magic_key(storage: Storage, settings: Settings, key: str | None) -> None:
    """In production, accept only an enabled, unexpired key; development skips the check."""
    if not settings.is_production:
        return
    if not key:
        raise MissingKeyError("An access key is needed: send it as magic_key or X-Magic-Key.")
    pepper = settings.key_pepper.get_secret_value() if settings.key_pepper else ""
    record = await storage.keys.key_by_hash(hash_key(key, pepper)) if pepper else None
    now = datetime.now(UTC)
    usable = (
        record is not None
        and record.enabled
        and (record.expires_at is None or record.expires_at > now)
        and hmac.compare_digest(record.key_hash, hash_key(key, pepper))
    )
    if not usable or record is None:
        # One message for unknown, disabled and expired keys, so keys cannot be probed.
        raise InvalidKeyError("This access key is not valid.")
    await storage.keys.touch_key(record.id, now)
