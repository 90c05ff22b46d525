"""Conversions between records and MongoDB documents, and the few shared queries."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
from pymongo import ReturnDocument

from buddy.storage.mongo.connection import Collection, Document, Session
from buddy.storage.terms import query_words

_WORD = re.compile(r"\w+", re.UNICODE)


def utc(value: datetime) -> datetime:
    """BSON dates are UTC instants; a naive time is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def read_time(value: object) -> datetime:
    """A stored date as an aware UTC datetime (seed documents may hold naive ones)."""
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, str) and value:
        return utc(datetime.fromisoformat(value))
    return datetime.fromtimestamp(0, UTC)


def read_time_or_none(value: object) -> datetime | None:
    return None if value is None or value == "" else read_time(value)


def offset_minutes(value: datetime) -> int:
    """The UTC offset to restore later, since BSON keeps only the instant."""
    offset = value.utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


def in_offset(value: datetime, minutes: int) -> datetime:
    return value.astimezone(timezone(timedelta(minutes=minutes)))


def floats32(vector: Iterable[float]) -> list[float]:
    """Vectors are float32 in every backend; rounding here keeps round trips equal."""
    return [float(value) for value in np.asarray(list(vector), dtype=np.float32)]


def strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return ()


def literal_pattern(text: str) -> str:
    """A regex that matches `text` exactly as typed: user text never becomes pattern syntax."""
    return re.escape(text)


def words(text: str) -> list[str]:
    """Lower-cased query words, once each, as the `keywords` fields store them."""
    return list(dict.fromkeys(word.lower() for word in query_words(text)))


def tokens(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def tag_filter(tags: Sequence[str], languages: Sequence[str]) -> Document:
    """Every tag required, one of the languages when given; values only, never operators."""
    query: Document = {}
    if tags:
        query["tags"] = {"$all": [str(tag) for tag in tags]}
    if languages:
        query["language"] = {"$in": [str(language) for language in languages]}
    return query


async def bump(meta: Collection, name: str, session: Session | None = None) -> int:
    """Advance a named counter atomically and return its new value."""
    found = await meta.find_one_and_update(
        {"_id": name},
        {"$inc": {"n": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return int(found["n"]) if found else 1


async def read_counter(meta: Collection, name: str) -> int:
    found = await meta.find_one({"_id": name})
    return 0 if found is None else int(found.get("n", 0))
