"""Query parameters are checked in one place: a clear 400 naming the parameter."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request
from waops_service_kit import ApiError
from waops_service_kit.http import query_int


def limit(query: str) -> int:
    return query_int(
        make_mocked_request("GET", f"/x?{query}"), "limit", default=50, low=1, high=500
    )


@pytest.mark.parametrize(
    ("query", "expected"), [("", 50), ("limit=", 50), ("limit=7", 7), ("limit=500", 500)]
)
def test_integers_in_range_are_read(query: str, expected: int) -> None:
    assert limit(query) == expected


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=501", "limit=ten", "limit=1.5"])
def test_anything_else_is_a_400_naming_the_parameter(query: str) -> None:
    with pytest.raises(ApiError) as refused:
        limit(query)
    assert (refused.value.status, refused.value.code) == (400, "BAD_LIMIT")
