"""360dialog's Cloud API messaging endpoint, as the sandbox plays it.

``POST /messages`` on the 360dialog base URL (``https://waba-v2.360dialog.io``), authorised by
the ``D360-API-KEY`` header alone: the key belongs to one phone number, so the path has no
phone-number id. The body and the answers are the Cloud API's (360dialog passes requests and
Graph error bodies through), so the Graph checks of ``graph.validate_send`` apply unchanged.
A missing or wrong key is refused with HTTP 401 before any Graph processing; clients should
decide on that status, not on the body (``{"meta": {"success": false, "http_code": 401,
"developer_message": ...}}`` here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from waops_sandbox import cloud_api
from waops_sandbox.faults import MISBEHAVIOUR

if TYPE_CHECKING:
    from waops_sandbox.app import SandboxConfig

API_KEY_HEADER = "D360-API-KEY"


def invalid_key() -> web.Response:
    body = {"meta": {"success": False, "http_code": 401, "developer_message": "Invalid api key"}}
    return web.json_response(body, status=401)


def install(app: web.Application, config: SandboxConfig) -> None:
    async def send_message(request: web.Request) -> web.Response:
        misbehaviour = request.app[MISBEHAVIOUR]
        fault = await misbehaviour.fault_for("360dialog")
        if fault is not None and (error := fault.error()) is not None:
            return cloud_api.graph_error(error)
        if request.headers.get(API_KEY_HEADER) != config.d360_api_key:
            return invalid_key()
        return await cloud_api.accept_send(request, "360dialog")

    app.router.add_post("/messages", send_message)
