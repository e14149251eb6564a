"""HTTP plumbing shared by every service: JSON errors, tracing, metrics, health routes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from opentelemetry import context as otel_context
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from waops_observability import context_from_traceparent, get_logger, metrics
from waops_observability.logging import structlog_reset

log = get_logger(__name__)
tracer = trace.get_tracer("waops.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_error(status: int, code: str, message: str, **details: Any) -> web.Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return web.json_response(body, status=status)


class ApiError(Exception):
    """Raise from a route to answer a 4xx with a stable, machine-readable code."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers: dict[str, str] = {}  # e.g. WWW-Authenticate with a 401


def _route_name(request: web.Request) -> str:
    info = request.match_info.route.resource
    return info.canonical if info is not None else "unmatched"


def build_middlewares(service: str) -> list[Any]:
    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        structlog_reset(service)
        started = time.perf_counter()
        status = 500
        token = otel_context.attach(context_from_traceparent(request.headers.get("traceparent")))
        try:
            with tracer.start_as_current_span(
                f"{request.method} {_route_name(request)}", kind=trace.SpanKind.SERVER
            ):
                response = await _errors_as_json(request, handler)
                status = response.status
                return response
        finally:
            otel_context.detach(token)
            metrics.HTTP_REQUESTS.labels(_route_name(request), request.method, str(status)).observe(
                time.perf_counter() - started
            )

    return [observe]


async def _errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        metrics.BAD_INPUT.labels(exc.code).inc()
        log.info("http.refused", path=request.path, status=exc.status, code=exc.code)
        answer = json_error(exc.status, exc.code, exc.message, **exc.details)
        answer.headers.update(exc.headers)
        return answer
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.upper().replace(" ", "_")
        if exc.status < 500:
            metrics.BAD_INPUT.labels(code).inc()
        return json_error(exc.status, code, exc.text or exc.reason)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("http.unhandled", path=request.path)
        return json_error(500, "INTERNAL", "internal error")


async def metrics_route(_: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


TENANT_HEADER = "X-Waops-Tenant"


def query_int(request: web.Request, name: str, *, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; anything else is a 400 naming it
    (``BAD_LIMIT`` for ``limit``), never a silent clamp or a database error."""
    raw = request.query.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"BAD_{name.upper()}", f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ApiError(400, f"BAD_{name.upper()}", f"{name} must be between {low} and {high}")
    return value


def tenant_of(request: web.Request) -> str:
    """Every API call is scoped to one tenant, named in the X-Waops-Tenant header."""
    tenant = request.headers.get(TENANT_HEADER, "").strip()
    if not tenant:
        raise ApiError(400, "TENANT_REQUIRED", f"the {TENANT_HEADER} header is required")
    return tenant
