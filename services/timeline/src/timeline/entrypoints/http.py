"""Timeline REST API: GET /v1/timeline/{object_type}/{object_id} (tenant in X-Waops-Tenant),
declared with the API kit, which also serves its OpenAPI document at /openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field
from waops_service_kit import RUNTIME
from waops_service_kit.api import Routes, mount
from waops_service_kit.http import query_int, tenant_of

from timeline.adapters.entries import TimelineEntry, entries_for

API_VERSION = "1.0.0"
routes = Routes("timeline", "one timeline per business object, in the order things happened")


class TimelineQuery(BaseModel):
    limit: int = Field(default=500, ge=1, le=1000, description="at most this many entries")


class ObjectRef(BaseModel):
    type: str
    id: str


class Entry(BaseModel):
    event_id: str
    event_type: str
    occurred_at: str
    summary: str
    data: Any = None
    correlation_id: str | None = None


class Timeline(BaseModel):
    object: ObjectRef
    entries: list[Entry]


async def get_timeline(request: web.Request) -> web.Response:
    """The entries of one object, oldest first"""
    tenant = tenant_of(request)
    object_type = request.match_info["object_type"].upper()
    object_id = request.match_info["object_id"]
    limit = query_int(request, "limit", default=500, low=1, high=1000)
    async with request.app[RUNTIME].engine.connect() as conn:
        entries = await entries_for(conn, tenant, object_type, object_id, limit)
    return web.json_response(
        {"object": {"type": object_type, "id": object_id}, "entries": [_json(e) for e in entries]}
    )


def _json(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "event_id": entry.event_id,
        "event_type": entry.event_type,
        "occurred_at": entry.occurred_at.isoformat(),
        "summary": entry.summary,
        "data": entry.data,
        "correlation_id": entry.correlation_id,
    }


routes.handle(
    "GET",
    "/v1/timeline/{object_type}/{object_id}",
    get_timeline,
    query=TimelineQuery,
    response=Timeline,
    errors=((400, "BAD_LIMIT"),),
)


def add_routes(app: web.Application) -> None:
    mount(
        app,
        [routes],
        title="waops timeline",
        version=API_VERSION,
        description="The timeline read model: every domain and message event, per object.",
    )
