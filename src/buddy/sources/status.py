"""When a source is due a sync, and whether its state should worry an operator."""

from __future__ import annotations

from datetime import datetime, timedelta

from buddy.storage.records import KnowledgeSource

# A scheduled source is overdue once two intervals pass without a success: one missed run
# can be a slow sync or a restart, two is something an operator should look at.
_OVERDUE_INTERVALS = 2


def is_due(source: KnowledgeSource, now: datetime) -> bool:
    if not source.every_seconds:
        return False
    last = source.last_started_at
    return last is None or now - last >= timedelta(seconds=source.every_seconds)


def problem(source: KnowledgeSource, now: datetime, slack: timedelta) -> str:
    """Why the source needs attention, or "" when it does not."""
    if source.last_error:
        return f"{source.name}: last sync failed: {source.last_error}"
    if not source.every_seconds:
        return ""
    since = source.last_success_at or source.created_at
    allowed = timedelta(seconds=source.every_seconds * _OVERDUE_INTERVALS) + slack
    if now - since > allowed:
        never = source.last_success_at is None
        what = "never synced" if never else f"last synced {since:%Y-%m-%d %H:%M} UTC"
        return f"{source.name}: overdue ({what})"
    return ""
