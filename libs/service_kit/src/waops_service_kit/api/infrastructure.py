"""The routes every service serves besides its API, documented in every document."""

from __future__ import annotations

from typing import Any

OPENAPI_PATH = "/openapi.json"
INFRASTRUCTURE_TAG = "infrastructure"


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_STATUS_OK = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string"}},
}
_ERROR = {"$ref": "#/components/schemas/Error"}

PATHS: dict[str, dict[str, Any]] = {
    "/healthz": {
        "get": {
            "operationId": "healthz",
            "summary": "The process answers (liveness)",
            "tags": [INFRASTRUCTURE_TAG],
            "responses": {"200": _json("alive", _STATUS_OK)},
        }
    },
    "/readyz": {
        "get": {
            "operationId": "readyz",
            "summary": "The database and the broker answer (readiness)",
            "tags": [INFRASTRUCTURE_TAG],
            "responses": {
                "200": _json(
                    "ready",
                    {
                        **_STATUS_OK,
                        "properties": {"status": {"type": "string"}, "checks": {"type": "object"}},
                    },
                ),
                "503": _json("a dependency is down: NOT_READY", _ERROR),
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics (text exposition format)",
            "tags": [INFRASTRUCTURE_TAG],
            "responses": {
                "200": {
                    "description": "the metrics",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
        }
    },
    OPENAPI_PATH: {
        "get": {
            "operationId": "openapi",
            "summary": "This document (OpenAPI 3.1)",
            "tags": [INFRASTRUCTURE_TAG],
            "responses": {"200": _json("the document", {"type": "object"})},
        }
    },
}
TAG = {"name": INFRASTRUCTURE_TAG, "description": "health, readiness, metrics and this document"}
