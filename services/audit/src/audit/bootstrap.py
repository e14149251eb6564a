"""The audit service's composition root: the only place that wires its parts."""

from __future__ import annotations

from aiohttp import web
from waops_service_kit import ServiceRuntime, build_app

from audit.entrypoints.http import add_routes
from audit.handlers import build_registry
from audit.settings import AuditSettings


def build_runtime(settings: AuditSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="audit",
        schema="audit",
        package="audit",
        settings=settings,
        registry=build_registry(),
    )


def create_app(settings: AuditSettings | None = None) -> web.Application:
    settings = settings or AuditSettings()
    return build_app(build_runtime(settings), add_routes)
