"""The Cloud API send, as both Meta's Graph API and 360dialog answer it: the same body, the
same checks, the same answers; only the route and the credential differ (their modules)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from waops_sandbox import graph
from waops_sandbox.faults import MISBEHAVIOUR
from waops_sandbox.meta_payloads import digits, new_wamid
from waops_sandbox.window import WINDOW


def graph_error(exc: graph.GraphError) -> web.Response:
    headers = {}
    if exc.code == 190:
        headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{exc.message}"'
    return web.json_response(exc.body(), status=exc.status, headers=headers)


async def accept_send(request: web.Request, provider: str, **recorded: Any) -> web.Response:
    """Validate a messages request (credentials already checked), answer it as the Cloud
    API does, and record it under ``provider`` (with ``recorded`` fields) in /_sandbox/sent."""
    try:
        payload = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return graph_error(graph.invalid_parameter("The request body must be JSON."))
    try:
        summary = graph.validate_send(payload)
    except graph.GraphError as exc:
        return graph_error(exc)
    if request.app[WINDOW].refuses(provider, summary["to"] or "", summary["type"]):
        return graph_error(graph.outside_window())
    answer: dict[str, Any]
    if summary["type"] == "read":
        answer, wamid = {"success": True}, payload["message_id"]
    else:
        wamid = new_wamid()
        answer = graph.send_success(summary["to"], wamid)
    request.app[MISBEHAVIOUR].record(
        request.app,
        {
            "id": wamid,
            "provider": provider,
            **recorded,
            "to": digits(summary["to"]) if summary["to"] else None,
            "type": summary["type"],
            "body": summary["body"],
            "request": payload,
            "traceparent": request.headers.get("traceparent"),
            "received_at": datetime.now(UTC).isoformat(),
        },
    )
    return web.json_response(answer)
