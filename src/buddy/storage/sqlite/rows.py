"""A record type's table: its column names, values and SQL are derived from the record's
fields and their types, so adding a field cannot leave a column list behind."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from functools import cached_property
from typing import Any, Generic, TypeVar, get_type_hints

from buddy.storage.sqlite.codec import (
    dump_list,
    from_iso,
    from_iso_or_none,
    load_tuple,
    pack_vector,
    to_iso,
    to_iso_or_none,
    unpack_vector,
)

R = TypeVar("R")
_Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


# (to column, from column) by the field's declared type; any other type is stored as is.
_CONVERSIONS: dict[object, tuple[_Convert, _Convert]] = {
    datetime: (to_iso, from_iso),
    datetime | None: (to_iso_or_none, from_iso_or_none),
    bool: (int, bool),
    tuple[str, ...]: (dump_list, load_tuple),
    tuple[float, ...]: (pack_vector, unpack_vector),
    dict[str, object]: (json.dumps, json.loads),
}


class Table(Generic[R]):
    """One table holding records of one dataclass type, plus columns of its own (`extra`)."""

    def __init__(
        self, record: type[R], name: str, key: str = "id", extra: Sequence[str] = ()
    ) -> None:
        self.record = record
        self.name = name
        self.key = key
        self.extra = tuple(extra)

    @cached_property
    def _conversions(self) -> dict[str, tuple[_Convert, _Convert]]:
        hints = get_type_hints(self.record)
        return {
            item.name: _CONVERSIONS.get(hints[item.name], (_same, _same))
            for item in fields(self.record)  # type: ignore[arg-type]
        }

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self._conversions)

    def columns(self, without: Sequence[str] = (), prefix: str = "") -> str:
        """The record's column list for a SELECT, optionally without some (large) columns."""
        return ", ".join(prefix + name for name in self.fields if name not in without)

    def values(self, record: R, *extra: object) -> tuple[object, ...]:
        """Column values of `record` in `fields` order, then the `extra` columns' values."""
        to_column = ((name, convert) for name, (convert, _) in self._conversions.items())
        return (*(convert(getattr(record, name)) for name, convert in to_column), *extra)

    def read(self, row: sqlite3.Row) -> R:
        """The record of a row; fields the SELECT left out keep their defaults."""
        present = set(row.keys())
        return self.record(
            **{
                name: from_column(row[name])
                for name, (_, from_column) in self._conversions.items()
                if name in present
            }
        )

    def insert_sql(self) -> str:
        """INSERT of every column, for `values(record, *extra)`."""
        names = [*self.fields, *self.extra]
        marks = ", ".join("?" for _ in names)
        return f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({marks})"

    def upsert_sql(self) -> str:
        """`insert_sql` that updates every column of the row with the same key instead."""
        names = [*self.fields, *self.extra]
        updates = ", ".join(f"{name}=excluded.{name}" for name in names if name != self.key)
        return f"{self.insert_sql()} ON CONFLICT({self.key}) DO UPDATE SET {updates}"
