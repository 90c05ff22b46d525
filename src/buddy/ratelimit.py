"""Rate limits with the `limits` library: chat and the other routes counted separately, per
access key in production (when the request carries one) and per client address otherwise.

Counters live in memory for one instance; with MongoDB they live in the shared database, so
several instances behind a load balancer enforce one limit together.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import Storage as LimitStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from buddy.config import Settings
from buddy.errors import RateLimitedError
from buddy.metrics.registry import RATE_LIMITED


def storage_uri(settings: Settings) -> str:
    """`auto`: memory for the embedded store, the MongoDB database when that is in use."""
    if settings.rate_limit_storage != "auto":
        return settings.rate_limit_storage
    uri = settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else ""
    if uri.startswith(("mongodb://", "mongodb+srv://")):
        return "async+" + uri
    return "async+memory://"


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        storage = storage_from_string(storage_uri(settings))
        if not isinstance(storage, LimitStorage):
            msg = "BUDDY_RATE_LIMIT_STORAGE must name an async storage (async+memory://, ...)"
            raise TypeError(msg)
        self._strategy = MovingWindowRateLimiter(storage)
        self.chat = parse(settings.rate_limit_chat)
        self.api = parse(settings.rate_limit_api)

    async def check(self, limit: RateLimitItem, scope: str, identity: str) -> None:
        """Count one request; over the limit, raise 429 with the seconds until a slot frees."""
        if await self._strategy.hit(limit, scope, identity):
            return
        RATE_LIMITED.labels(scope).inc()
        stats = await self._strategy.get_window_stats(limit, scope, identity)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimitedError(
            f"Too many requests: the limit is {limit} ({_setting(scope)}); "
            f"try again in {retry_after} s.",
            retry_after,
        )


def per_minute(requests: int) -> RateLimitItem:
    """A key's own chat limit (`buddy keys create --rpm N`)."""
    return parse(f"{requests}/minute")


def _setting(scope: str) -> str:
    return "the key's own limit" if scope == "key" else f"BUDDY_RATE_LIMIT_{scope.upper()}"
