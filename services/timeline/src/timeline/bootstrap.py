"""The timeline's composition root: the only place that wires its parts."""

from __future__ import annotations

from aiohttp import web
from waops_service_kit import ServiceRuntime, build_app

from timeline.entrypoints.http import add_routes
from timeline.handlers import build_registry
from timeline.settings import TimelineSettings


def build_runtime(settings: TimelineSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="timeline",
        schema="timeline",
        package="timeline",
        settings=settings,
        registry=build_registry(),
    )


def create_app(settings: TimelineSettings | None = None) -> web.Application:
    settings = settings or TimelineSettings()
    return build_app(build_runtime(settings), add_routes)
