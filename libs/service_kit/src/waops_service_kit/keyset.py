"""Keyset pagination, the SQL side: the cursor's encoding, and the WHERE / ORDER BY / LIMIT of
a page.

A listing is ordered by a sort key that is unique per row (its last column is usually the
id); a page is the rows after the last key already seen. Unlike OFFSET, a page stays right
while rows are inserted and costs the same at page 1000 as at page 1. The cursor handed to
clients is the opaque, URL-safe encoding of that last key.

    BY_START = Keyset(SortKey("d.start_date", "date"), SortKey("d.id", "uuid"))
    page = BY_START.page(after, limit)
    await conn.execute(
        text(f"SELECT ... WHERE d.tenant_id = :t AND {page.where} {page.order_limit}"),
        {"t": tenant_id, **page.params},
    )
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

SqlType = Literal["text", "uuid", "date", "timestamptz"]


class InvalidCursor(ValueError):
    """A cursor (or a key in it) that this service did not issue."""


def encode_cursor(key: Sequence[Any]) -> str:
    """The opaque cursor of a sort key (dates and times as ISO text)."""
    raw = json.dumps(list(key), default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    """The sort key a cursor carries (``arity`` values), or None for the first page."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or len(key) != arity:
        raise InvalidCursor("the cursor is not one this API issued")
    return key


def _as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not text: {value!r}")
    return value


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


_PARSERS: dict[SqlType, Callable[[Any], Any]] = {
    "text": _as_text,
    "uuid": lambda value: str(uuid.UUID(str(value))),
    "date": _as_date,
    "timestamptz": _as_datetime,
}


@dataclass(frozen=True)
class SortKey:
    """One column of a sort key: its SQL expression and type (the cursor's value is cast)."""

    column: str
    sql_type: SqlType


@dataclass(frozen=True)
class KeysetPage:
    """The SQL of one page: ``where`` (a condition, ``TRUE`` on the first page) goes with the
    listing's other conditions; ``order_limit`` ends the statement; ``params`` are bound."""

    where: str
    order_limit: str
    params: dict[str, Any]


class Keyset:
    """A listing's sort key, all columns ascending (or, with ``descending``, all descending)."""

    def __init__(self, *columns: SortKey, descending: bool = False) -> None:
        if not columns:
            raise ValueError("a keyset needs at least one column")
        self.columns = columns
        self.descending = descending

    def parse(self, key: Sequence[Any]) -> list[Any]:
        """A decoded cursor's values in the columns' Python types (ISO text becomes a date or a
        datetime, ids are checked); ``InvalidCursor`` when they are not."""
        if len(key) != len(self.columns):
            raise InvalidCursor("the cursor is not one this API issued")
        try:
            return [_PARSERS[c.sql_type](v) for c, v in zip(self.columns, key, strict=True)]
        except (TypeError, ValueError, AttributeError):
            raise InvalidCursor("the cursor is not one this API issued") from None

    def page(self, after: Sequence[Any] | None, limit: int | None) -> KeysetPage:
        """The rows after ``after`` (the last key already seen; None for the first page), at
        most ``limit`` of them (None: all)."""
        names = ", ".join(c.column for c in self.columns)
        direction = " DESC" if self.descending else ""
        order = ", ".join(f"{c.column}{direction}" for c in self.columns)
        params: dict[str, Any] = {}
        where = "TRUE"
        if after is not None:
            values = self.parse(after)
            casts = ", ".join(
                f"CAST(:keyset_{i} AS {c.sql_type})" for i, c in enumerate(self.columns)
            )
            where = f"({names}) {'<' if self.descending else '>'} ({casts})"
            params.update({f"keyset_{i}": value for i, value in enumerate(values)})
        order_limit = f"ORDER BY {order}"
        if limit is not None:
            order_limit += " LIMIT :keyset_limit"
            params["keyset_limit"] = limit
        return KeysetPage(where, order_limit, params)
