"""Upsert by content hash, once for every backend: which records are new, changed or
unchanged, and the news rule that a stand-in publication date never moves."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from buddy.storage.hashing import content_hash
from buddy.storage.records import NewsItem, UpsertCounts


class _Record(Protocol):
    """A dataclass record with a string id."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Record)


@dataclass(frozen=True)
class Stored:
    """What the upsert rules need to know about a record already stored."""

    content_hash: str
    published: datetime | None = None  # news only
    published_estimated: bool = False


@dataclass(frozen=True)
class Write(Generic[R]):
    record: R
    content_hash: str


@dataclass(frozen=True)
class UpsertPlan(Generic[R]):
    """The writes to make, in order, and the counts the caller reports."""

    writes: list[Write[R]]
    counts: UpsertCounts


def record_hash(record: _Record) -> str:
    """The content hash of a record's fields; times count as UTC instants."""
    return content_hash({name: _instant(value) for name, value in asdict(record).items()})


def plan_upsert(
    records: Sequence[R],
    stored: Mapping[str, Stored],
    adjust: Callable[[R, Stored | None], R] = lambda record, _: record,
) -> UpsertPlan[R]:
    """Insert or update by id; a record identical to the stored one counts as unchanged.
    `adjust` may change an incoming record in the light of the stored one."""
    known = dict(stored)
    writes: list[Write[R]] = []
    counts = UpsertCounts()
    for incoming in records:
        before = known.get(incoming.id)
        record = adjust(incoming, before)
        digest = record_hash(record)
        if before is not None and before.content_hash == digest:
            counts += UpsertCounts(unchanged=1)
            continue
        counts += UpsertCounts(new=1) if before is None else UpsertCounts(updated=1)
        writes.append(Write(record, digest))
        # A later duplicate in the same batch compares with this version, as if stored.
        known[record.id] = _stored(record, digest)
    return UpsertPlan(writes, counts)


def plan_news_upsert(
    items: Sequence[NewsItem], stored: Mapping[str, Stored]
) -> UpsertPlan[NewsItem]:
    """`plan_upsert` for news, keeping stand-in publication dates where they are."""
    return plan_upsert(items, stored, _keep_estimated_date)


def _keep_estimated_date(item: NewsItem, stored: Stored | None) -> NewsItem:
    # A stand-in date (fetch time) must not move, or every fetch would "update" the item.
    if stored is None or stored.published is None:
        return item
    if item.published_estimated and stored.published_estimated:
        return replace(item, published=stored.published)
    return item


def _stored(record: object, digest: str) -> Stored:
    if isinstance(record, NewsItem):
        return Stored(digest, record.published, record.published_estimated)
    return Stored(digest)


def _instant(value: object) -> object:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    return value
