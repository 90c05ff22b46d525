"""Magic-key checks. Production fails closed: no valid key, no chat."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from buddy.config import Settings
from buddy.errors import BuddyError, InvalidInputError
from buddy.metrics.registry import ACCESS_CHECKS
from buddy.storage.base import Storage

# Re-exported on purpose: the Mongo backend hashes the seed's raw keys too, so the function
# lives in storage (which imports no domain) while callers keep asking auth for it.
from buddy.storage.hashing import hash_key as hash_key  # noqa: PLC0414
from buddy.storage.records import MagicKey


class MissingKeyError(BuddyError):
    status_code = 401
    code = "magic_key_required"


class InvalidKeyError(BuddyError):
    status_code = 403
    code = "magic_key_invalid"


class AdminKeyRequiredError(BuddyError):
    status_code = 403
    code = "admin_key_required"


class OwnerTokenRequiredError(BuddyError):
    status_code = 401
    code = "owner_token_required"


# 128 random bits or more, as URL-safe text: the web page sends 32 hex characters.
_OWNER_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,128}")


async def require_magic_key(
    storage: Storage, settings: Settings, key: str | None
) -> MagicKey | None:
    """In production, accept only an enabled, unexpired key (returned, for its limits);
    development skips the check."""
    if not settings.is_production:
        return None
    if not key:
        ACCESS_CHECKS.labels("missing").inc()
        raise MissingKeyError("An access key is needed: send it as magic_key or X-Magic-Key.")
    pepper = settings.key_pepper.get_secret_value() if settings.key_pepper else ""
    record = await storage.keys.key_by_hash(hash_key(key, pepper)) if pepper else None
    now = datetime.now(UTC)
    result = _check(record, hash_key(key, pepper), now)
    ACCESS_CHECKS.labels(result).inc()
    if result != "ok" or record is None:
        # One message for unknown, disabled and expired keys, so keys cannot be probed; the
        # metric tells the operator which it was.
        raise InvalidKeyError("This access key is not valid.")
    await storage.keys.touch_key(record.id, now)
    return record


async def require_admin_key(
    storage: Storage, settings: Settings, key: str | None
) -> MagicKey | None:
    """Insights and metrics: in production, a valid key made with `--admin` (401 without a
    key, 403 with another key); development leaves them open like the rest of the service."""
    record = await require_magic_key(storage, settings, key)
    if record is not None and not record.admin:
        raise AdminKeyRequiredError(
            "This key may chat but not read insights or metrics; use a key made with "
            "`buddy keys create --admin`."
        )
    return record


def owner_of(key: MagicKey | None, owner_token: str | None) -> str:
    """Who a saved conversation belongs to: the magic key (by its id) when the request was
    checked against one (production), else the browser's own owner token, kept only hashed."""
    if key is not None:
        return f"key:{key.id}"
    if not owner_token or not _OWNER_TOKEN.fullmatch(owner_token):
        raise OwnerTokenRequiredError(
            "Conversations need an owner: send X-Owner-Token with 22 to 128 random letters, "
            "digits, '-' or '_' (the web page makes one per browser)."
        )
    return "token:" + hashlib.sha256(owner_token.encode()).hexdigest()[:40]


def _check(record: MagicKey | None, key_hash: str, now: datetime) -> str:
    if record is None or not hmac.compare_digest(record.key_hash, key_hash):
        return "unknown"
    if not record.enabled:
        return "disabled"
    if record.expires_at is not None and record.expires_at <= now:
        return "expired"
    return "ok"


@dataclass(frozen=True)
class NewKey:
    record: MagicKey
    key: str  # shown once, never stored


async def create_key(
    storage: Storage,
    settings: Settings,
    label: str,
    expires_in: timedelta | None = None,
    requests_per_minute: int | None = None,
    *,
    admin: bool = False,
) -> NewKey:
    """Make a random key, store only its hash, and return the key this once."""
    pepper = settings.key_pepper.get_secret_value() if settings.key_pepper else ""
    if not pepper:
        raise InvalidInputError("Set BUDDY_KEY_PEPPER first: keys are stored as peppered hashes.")
    key = "bk_" + secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    record = MagicKey(
        id=secrets.token_hex(4),
        key_hash=hash_key(key, pepper),
        label=label,
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
        requests_per_minute=requests_per_minute,
        admin=admin,
    )
    await storage.keys.add_key(record)
    return NewKey(record, key)
