"""The API kit every service declares its HTTP surface with (ADR 0018, ADR 0024).

Operations are declared on ``Routes`` groups; ``mount`` routes them and serves
``GET /openapi.json``, generated from the same declarations and pydantic models, with the
infrastructure routes (/healthz, /readyz, /metrics) documented too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from waops_service_kit.api import infrastructure
from waops_service_kit.api.auth import Answer, BearerAuth, matches_any, token_list
from waops_service_kit.api.infrastructure import OPENAPI_PATH
from waops_service_kit.api.openapi import openapi_document
from waops_service_kit.api.operations import Actor, Call, Clock, Operation, Reply, Routes
from waops_service_kit.api.pagination import ListQuery, decode_cursor, encode_cursor, page
from waops_service_kit.api.refusals import BadCursor, Refusal
from waops_service_kit.api.serving import Serving, handler_for

__all__ = [
    "OPENAPI_PATH",
    "Actor",
    "Answer",
    "BadCursor",
    "BearerAuth",
    "Call",
    "Clock",
    "ListQuery",
    "Operation",
    "Refusal",
    "Reply",
    "Routes",
    "SystemClock",
    "decode_cursor",
    "encode_cursor",
    "matches_any",
    "mount",
    "page",
    "token_list",
]


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


_SYSTEM_CLOCK = SystemClock()


def mount(
    app: web.Application,
    groups: list[Routes],
    *,
    title: str,
    version: str,
    description: str,
    clock_of: Callable[[web.Request], Clock] | None = None,
    refusals: tuple[type[Exception], ...] = (),
) -> dict[str, Any]:
    """Route every operation of ``groups`` and serve their OpenAPI document (returned)."""
    serving = Serving(clock_of or (lambda _: _SYSTEM_CLOCK), refusals)
    for group in groups:
        for op in group.operations:
            app.router.add_route(op.method, op.path, handler_for(op, serving), name=op.operation_id)
    document = openapi_document(groups, title=title, version=version, description=description)
    document["paths"].update(infrastructure.PATHS)
    document["tags"].append(infrastructure.TAG)

    async def serve_openapi(_: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get(OPENAPI_PATH, serve_openapi)
    return document
