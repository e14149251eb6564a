"""The core's API: the shared kit (``waops_service_kit.api``) with the core's clock and
domain refusals plugged in."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from waops_service_kit.api import (
    OPENAPI_PATH,
    Actor,
    Call,
    ListQuery,
    Operation,
    Reply,
    Routes,
    decode_cursor,
    encode_cursor,
    page,
)
from waops_service_kit.api import mount as mount_kit

from core.clock import Clock
from core.domain.errors import DomainError

DESCRIPTION = (
    "The waops reference core: a travel-operations system behind the HTTP contract the "
    "orchestrator drives."
)

__all__ = [
    "OPENAPI_PATH",
    "Actor",
    "Call",
    "ListQuery",
    "Operation",
    "Reply",
    "Routes",
    "decode_cursor",
    "encode_cursor",
    "mount",
    "page",
]


def mount(
    app: web.Application,
    groups: list[Routes],
    clock_of: Callable[[web.Request], Clock],
    *,
    title: str,
    version: str,
) -> None:
    """Route every operation of ``groups`` and serve their OpenAPI document."""
    mount_kit(
        app,
        groups,
        title=title,
        version=version,
        description=DESCRIPTION,
        clock_of=clock_of,
        refusals=(DomainError,),
    )
