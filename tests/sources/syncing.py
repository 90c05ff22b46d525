"""Running a registered source's sync in the test process, as the service's schedule does."""

from __future__ import annotations

from buddy.services import Services
from buddy.sources.context import SyncContext, SyncReport
from buddy.sources.sync import sync_source


async def sync(services: Services, name: str) -> SyncReport:
    source = await services.storage.sources.get_source(name)
    assert source is not None
    ctx = SyncContext(services.storage, services.kb.embedder, services.settings, services.http)
    report = await sync_source(ctx, source)
    assert report is not None
    return report


def counts(report: SyncReport) -> tuple[int, int, int, int, int]:
    """added, changed, removed, unchanged, failed."""
    return report.added, report.changed, report.removed, report.unchanged, len(report.failed)
