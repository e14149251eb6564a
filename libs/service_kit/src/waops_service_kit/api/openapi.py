"""The OpenAPI 3.1 document, generated from the declared operations and their models.

Nothing is written by hand: paths, parameters, bodies and responses come from the same
``Operation`` objects the server routes, and JSON Schemas from the same pydantic models it
validates with, so the document is true by construction (and a test checks it anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from waops_service_kit.api.operations import (
    ACTOR_ID_HEADER,
    ACTOR_ROLE_HEADER,
    CAUSATION_HEADER,
    CORRELATION_HEADER,
    IDEMPOTENCY_HEADER,
    Operation,
    Routes,
)
from waops_service_kit.api.serving import body_required

REF = "#/components/schemas/{model}"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, machine-readable"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}
_STATUS_TEXT = {
    400: "Bad request",
    404: "Not found",
    409: "Refused by a business rule",
    422: "Unprocessable",
    401: "Unauthenticated",
    403: "Forbidden",
    413: "Too large",
    415: "Unsupported media type",
    502: "Bad gateway",
    503: "Unavailable",
}


def _header(name: str, description: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    components.update(schema.pop("$defs", {}))
    params = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def _error_responses(op: Operation) -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    if op.handler is None:
        by_status[400] = ["INVALID_REQUEST"]
    if op.tenant:
        by_status.setdefault(400, []).append("TENANT_REQUIRED")
    if op.idempotency in ("required", "optional"):
        by_status.setdefault(409, []).append("IDEMPOTENCY_KEY_REUSED")
        by_status.setdefault(400, []).append("IDEMPOTENCY_KEY_INVALID")
    if op.idempotency in ("required", "own"):
        by_status.setdefault(400, []).append("IDEMPOTENCY_KEY_REQUIRED")
    errors = [*op.errors, *(op.auth.refusals() if op.auth is not None else [])]
    for status, code in errors:
        by_status.setdefault(status, []).append(code)
    return {
        str(status): {
            "description": f"{_STATUS_TEXT.get(status, 'Error')}: " + ", ".join(sorted(set(codes))),
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
        }
        for status, codes in sorted(by_status.items())
    }


def _operation(
    op: Operation, schemas: Mapping[Any, Any], components: dict[str, Any]
) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    if op.path_model is not None:
        typed = op.path_model.model_json_schema(ref_template=REF).get("properties", {})
    params: list[dict[str, Any]] = [
        {"name": p, "in": "path", "required": True, "schema": typed.get(p, {"type": "string"})}
        for p in op.path_params
    ]
    if op.tenant:
        params.append(_header("X-Waops-Tenant", "the tenant every query is scoped to", True))
    if op.idempotency != "none":
        params.append(
            _header(
                IDEMPOTENCY_HEADER,
                "a retried request with the same key gets the first answer",
                op.idempotency in ("required", "own"),
            )
        )
    if op.idempotency != "none" and op.handler is None:
        params += [
            _header(ACTOR_ID_HEADER, "who asked: a staff id or an E.164 phone"),
            _header(ACTOR_ROLE_HEADER, "the role resolved for the actor"),
            _header(CORRELATION_HEADER, "carried into the events this call publishes"),
            _header(CAUSATION_HEADER, "the event or command that caused this call"),
        ]
    if op.query is not None:
        params += _query_parameters(op.query, components)
    named = {p["name"] for p in params}
    params += [_header(n, d, r) for n, d, r in op.headers if n not in named]
    if op.response is not None:
        success: dict[str, Any] = {
            op.content_type: {"schema": schemas[(op.response, "serialization")]}
        }
    elif op.content_type == "application/json":
        success = {op.content_type: {"schema": {"type": "object"}}}
    else:
        success = {op.content_type: {"schema": {"type": "string"}}}
    spec: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": {
            str(op.status): {"description": op.summary, "content": success},
            **_error_responses(op),
        },
    }
    if op.auth is not None:
        spec["security"] = [{op.auth.scheme: []}]
    if op.raw_body:
        spec["requestBody"] = {
            "required": True,
            "description": "the provider's own payload, read as raw bytes: its signature is "
            "checked over them before anything is parsed",
            "content": {t: {"schema": {"type": "string"}} for t in op.raw_body},
        }
    elif op.body is not None:
        spec["requestBody"] = {
            "required": body_required(op.body),
            "content": {"application/json": {"schema": schemas[(op.body, "validation")]}},
        }
    return spec


def openapi_document(
    groups: list[Routes], *, title: str, version: str, description: str
) -> dict[str, Any]:
    ops = [op for group in groups for op in group.operations]
    models: list[tuple[type[BaseModel], Any]] = []
    for op in ops:
        for model, mode in ((op.body, "validation"), (op.response, "serialization")):
            if model is not None and (model, mode) not in models:
                models.append((model, mode))
    keyed, definitions = models_json_schema(models, ref_template=REF)
    components: dict[str, Any] = dict(definitions.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, keyed, components)
    components["Error"] = ERROR_SCHEMA
    schemes = {op.auth.scheme: op.auth.security_scheme() for op in ops if op.auth is not None}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "tags": [{"name": g.tag, "description": g.description} for g in groups],
        "paths": paths,
        "components": {"schemas": components},
    }
    if schemes:
        document["components"]["securitySchemes"] = schemes
    return document
