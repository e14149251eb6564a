"""Keyset pagination's SQL side: the cursor's encoding and the SQL of a page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from waops_service_kit.keyset import (
    InvalidCursor,
    Keyset,
    SortKey,
    decode_cursor,
    encode_cursor,
)

BY_START = Keyset(SortKey("d.start_date", "date"), SortKey("d.id", "uuid"))
NEWEST_FIRST = Keyset(
    SortKey("l.created_at", "timestamptz"), SortKey("l.id", "uuid"), descending=True
)
ID = "5d1c6f0e-8a2b-4c3d-9e4f-5a6b7c8d9e0f"


def test_a_cursor_carries_its_key_and_nothing_else_decodes() -> None:
    when = datetime(2025, 10, 5, 8, 30, tzinfo=UTC)
    cursor = encode_cursor([when, ID])
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor, 2) == [when.isoformat(sep=" "), ID]
    assert decode_cursor(None, 2) is None
    for bad in ("not base64!", encode_cursor([1]), encode_cursor([1, 2, 3]), "e30"):
        with pytest.raises(InvalidCursor):
            decode_cursor(bad, 2)


def test_the_first_page_is_every_row_in_order() -> None:
    page = BY_START.page(None, 51)
    assert page.where == "TRUE"
    assert page.order_limit == "ORDER BY d.start_date, d.id LIMIT :keyset_limit"
    assert page.params == {"keyset_limit": 51}
    assert BY_START.page(None, None).order_limit == "ORDER BY d.start_date, d.id"


def test_a_later_page_starts_after_the_key_typed_for_the_database() -> None:
    page = BY_START.page(["2025-10-05", ID.upper()], 10)
    assert page.where == (
        "(d.start_date, d.id) > (CAST(:keyset_0 AS date), CAST(:keyset_1 AS uuid))"
    )
    assert page.params == {"keyset_0": date(2025, 10, 5), "keyset_1": ID, "keyset_limit": 10}


def test_a_descending_keyset_pages_backwards() -> None:
    when = datetime(2025, 10, 5, tzinfo=UTC)
    page = NEWEST_FIRST.page((when, ID), 5)
    assert page.where.startswith("(l.created_at, l.id) < (CAST(:keyset_0 AS timestamptz)")
    assert page.order_limit == "ORDER BY l.created_at DESC, l.id DESC LIMIT :keyset_limit"
    assert page.params["keyset_0"] == when


@pytest.mark.parametrize("key", [["2025-13-01", ID], ["2025-10-05", "nope"], [None, ID], [1]])
def test_a_key_of_the_wrong_types_is_an_invalid_cursor(key: list[object]) -> None:
    with pytest.raises(InvalidCursor):
        BY_START.page(key, 10)
