"""The feedback outbox: votes are stored first; this worker forwards pending rows to each
configured target, with backoff while a target is down. Pending rows live in the store, so
a restart simply picks them up again; annotation identifiers make a resend harmless."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog

from buddy.feedback.targets import AnnotationTarget, TargetUnavailable
from buddy.metrics.registry import OUTBOX_PENDING
from buddy.storage.base import Storage
from buddy.storage.records import Feedback

log = structlog.get_logger(__name__)
_BATCH = 50
_FIRST_BACKOFF_SECONDS = 1.0
_MAX_BACKOFF_SECONDS = 60.0
# Rows refused one by one (a span not exported yet) are retried on this slower beat.
_RETRY_SECONDS = 5.0
# How long a vote's request waits for the immediate forward before answering "stored".
_INLINE_TIMEOUT_SECONDS = 2.0


class FeedbackOutbox:
    def __init__(
        self, storage: Storage, targets: Sequence[AnnotationTarget], max_attempts: int
    ) -> None:
        self._storage = storage
        self._targets = list(targets)
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._down: set[str] = set()  # targets whose last attempt could not reach them

    @property
    def enabled(self) -> bool:
        return bool(self._targets)

    async def forward_now(self, row: Feedback) -> bool:
        """Try every target for a just-stored vote; True when all took it. A target known
        to be down is not tried here: the worker owns retries and their backoff."""
        if not self._targets or self._down:
            self._wake.set()
            return False
        for target in self._targets:
            try:
                async with asyncio.timeout(_INLINE_TIMEOUT_SECONDS):
                    refused = await target.send([row])
            except (TargetUnavailable, TimeoutError):
                self._down.add(target.name)  # later votes skip straight to the outbox
                refused = {row.id or 0: "unavailable"}
            if refused:
                self._wake.set()
                return False
            await self._storage.feedback.mark_forwarded(row.id or 0, target.name)
        return True

    async def pending(self) -> int:
        """Deliveries still to make: each vote counts once for every target that lacks it."""
        total = 0
        for target in self._targets:
            total += await self._storage.feedback.count_pending(target.name, self._max_attempts)
        return total

    async def drain_once(self) -> tuple[int, int]:
        """One pass over the pending rows of every target: (forwarded, refused or failed)."""
        forwarded = failed = 0
        for target in self._targets:
            while True:
                rows = await self._storage.feedback.pending_feedback(
                    target.name, _BATCH, self._max_attempts
                )
                rows = [row for row in rows if row.id is not None]
                if not rows:
                    break
                try:
                    refused = await target.send(rows)
                except TargetUnavailable as exc:
                    self._down.add(target.name)
                    log.warning("feedback_target_down", target=target.name, reason=str(exc))
                    failed += len(rows)
                    break
                self._down.discard(target.name)
                for row in rows:
                    if row.id in refused:
                        await self._storage.feedback.record_failure(row.id, refused[row.id])
                        failed += 1
                    else:
                        await self._storage.feedback.mark_forwarded(row.id or 0, target.name)
                        forwarded += 1
                if refused or len(rows) < _BATCH:
                    break  # refused rows wait for the next pass instead of spinning
        return forwarded, failed

    async def run_forever(self) -> None:
        """Forward whatever is pending, then wait for new votes; back off while down."""
        backoff = _FIRST_BACKOFF_SECONDS
        while True:
            self._wake.clear()
            try:
                forwarded, failed = await self.drain_once()
            except Exception as exc:  # the store itself failed: keep the worker alive
                log.error("feedback_outbox_failed", error_type=type(exc).__name__, exc_info=exc)
                forwarded, failed = 0, 1
            if forwarded:
                log.info("feedback_forwarded", rows=forwarded)
            with contextlib.suppress(Exception):  # the gauge waits for the store to answer
                OUTBOX_PENDING.set(await self.pending())
            if self._down:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
                continue
            backoff = _FIRST_BACKOFF_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), _RETRY_SECONDS if failed else None)
