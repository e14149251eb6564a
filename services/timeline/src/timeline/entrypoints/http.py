"""Timeline REST API: GET /v1/timeline/{object_type}/{object_id} (tenant in X-Waops-Tenant)."""

from __future__ import annotations

from aiohttp import web
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.http import tenant_of

from timeline.adapters.entries import entries_for


async def get_timeline(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    object_type = request.match_info["object_type"].upper()
    object_id = request.match_info["object_id"]
    try:
        limit = min(int(request.query.get("limit", "500")), 1000)
    except ValueError:
        raise ApiError(400, "BAD_LIMIT", "limit must be an integer") from None
    async with request.app[RUNTIME].engine.connect() as conn:
        entries = await entries_for(conn, tenant, object_type, object_id, limit)
    return web.json_response({"object": {"type": object_type, "id": object_id}, "entries": entries})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/timeline/{object_type}/{object_id}", get_timeline)
