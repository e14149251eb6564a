"""Timeline REST API: GET /v1/timeline/{object_type}/{object_id} (tenant in X-Waops-Tenant)."""

from __future__ import annotations

from aiohttp import web
from waops_service_kit import RUNTIME
from waops_service_kit.http import query_int, tenant_of

from timeline.adapters.entries import entries_for


async def get_timeline(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    object_type = request.match_info["object_type"].upper()
    object_id = request.match_info["object_id"]
    limit = query_int(request, "limit", default=500, low=1, high=1000)
    async with request.app[RUNTIME].engine.connect() as conn:
        entries = await entries_for(conn, tenant, object_type, object_id, limit)
    return web.json_response({"object": {"type": object_type, "id": object_id}, "entries": entries})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/timeline/{object_type}/{object_id}", get_timeline)
