"""Keyset pagination: the kit's (``waops_service_kit.api.pagination``), named here for the
core's modules."""

from waops_service_kit.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    BadCursor,
    ListQuery,
    decode_cursor,
    encode_cursor,
    page,
)

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "BadCursor",
    "ListQuery",
    "decode_cursor",
    "encode_cursor",
    "page",
]
