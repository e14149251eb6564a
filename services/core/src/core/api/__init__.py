"""The core's API kit: declared operations, served and documented from one declaration."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from core.api.openapi import openapi_document
from core.api.operations import Actor, Call, Operation, Reply, Routes, handler_for
from core.api.pagination import ListQuery, decode_cursor, encode_cursor, page
from core.clock import Clock

OPENAPI_PATH = "/openapi.json"

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
    for group in groups:
        for op in group.operations:
            app.router.add_route(
                op.method, op.path, handler_for(op, clock_of), name=op.operation_id
            )
    document = openapi_document(groups, title=title, version=version)

    async def serve_openapi(_: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get(OPENAPI_PATH, serve_openapi)
