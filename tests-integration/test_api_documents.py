"""Every service's app, built (not started): each route it serves is in its own OpenAPI
document and each documented operation is served, and the document is valid OpenAPI 3.1.
The per-service contract tests also fuzz each API against a running service."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from audit.bootstrap import create_app as audit_app
from conversation_engine.bootstrap import create_app as conversation_app
from core.bootstrap import create_app as core_app
from notifier.bootstrap import create_app as notifier_app
from openapi_spec_validator import validate
from orchestrator.bootstrap import create_app as orchestrator_app
from timeline.bootstrap import create_app as timeline_app
from waops_testing.openapi import documented_routes, served_routes
from webhook_adapter.bootstrap import create_app as adapter_app

SERVICES: dict[str, Callable[[], web.Application]] = {
    "webhook-adapter": adapter_app,
    "conversation-engine": conversation_app,
    "orchestrator": orchestrator_app,
    "core": core_app,
    "notifier": notifier_app,
    "timeline": timeline_app,
    "audit": audit_app,
}


async def _document(app: web.Application) -> dict[str, Any]:
    request = make_mocked_request("GET", "/openapi.json", app=app)
    match = await app.router.resolve(request)
    response = await match.handler(request)
    assert isinstance(response, web.Response) and isinstance(response.body, bytes)
    document: dict[str, Any] = json.loads(response.body)
    return document


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_route_is_documented(service: str) -> None:
    app = SERVICES[service]()
    document = await _document(app)
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert served_routes(app) == documented_routes(document)
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert "get" in document["paths"][path], (service, path)
