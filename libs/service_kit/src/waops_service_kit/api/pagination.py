"""Cursor (keyset) pagination for every list endpoint (the cursor's encoding and the SQL of a
page: ``waops_service_kit.keyset``).

A cursor is the opaque, URL-safe encoding of the sort key of the last item returned. Keyset
pages stay correct while rows are inserted (offsets skip or repeat rows) and cost the same
at page 1000 as at page 1. Lists answer ``{"items": [...], "next_cursor": str | null}``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from waops_service_kit import keyset
from waops_service_kit.api.refusals import BadCursor
from waops_service_kit.keyset import encode_cursor

T = TypeVar("T")
__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "BadCursor",
    "ListQuery",
    "decode_cursor",
    "encode_cursor",
    "page",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class ListQuery(BaseModel):
    """The query parameters every list accepts; list endpoints subclass it for filters."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=512)


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    """The sort key a cursor carries (``arity`` values), or None for the first page."""
    try:
        return keyset.decode_cursor(cursor, arity)
    except keyset.InvalidCursor:
        raise BadCursor("BAD_CURSOR", "the cursor is not one this API issued") from None


def page(
    rows: Sequence[T], limit: int, sort_key: Callable[[T], Sequence[Any]]
) -> tuple[list[T], str | None]:
    """Rows fetched with ``LIMIT limit + 1``: the page, and the cursor if more follow."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return items, encode_cursor(sort_key(items[-1])) if more and items else None
