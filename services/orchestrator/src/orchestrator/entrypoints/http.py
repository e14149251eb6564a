"""Orchestrator REST API (tenant in X-Waops-Tenant).

- GET /v1/commands/{command_id}: a command as logged, with its status and outcome.
"""

from __future__ import annotations

from aiohttp import web
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.http import tenant_of

from orchestrator.adapters.commands import command_view


async def get_command(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    command_id = request.match_info["command_id"]
    async with request.app[RUNTIME].engine.connect() as conn:
        command = await command_view(conn, tenant, command_id)
    if command is None:
        raise ApiError(404, "COMMAND_NOT_FOUND", "no such command", id=command_id)
    return web.json_response({"command": command})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/commands/{command_id}", get_command)
