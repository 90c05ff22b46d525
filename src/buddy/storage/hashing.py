"""The two hashes stored data depends on: magic keys (peppered) and record contents."""

from __future__ import annotations

import hashlib
import hmac
import json


def hash_key(key: str, pepper: str) -> str:
    """SHA-256 of the key with the install's pepper; only this is ever stored."""
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


def content_hash(values: object) -> str:
    """A stable hash of a record's values: an identical upsert is reported as unchanged."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
