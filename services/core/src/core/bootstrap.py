"""The core's composition root: the only place that wires its parts."""

from __future__ import annotations

from aiohttp import web
from waops_contracts.events import LeadCreated, StaffUpserted, TourUpserted
from waops_messaging import HandlerRegistry
from waops_service_kit import ServiceRuntime, build_app

from core.entrypoints.http import add_routes
from core.settings import CoreSettings


def build_registry() -> HandlerRegistry:
    """No consumers yet: the core is driven by its HTTP API. The runtime still runs the
    outbox relay, which publishes what the API and the demo loader stage."""
    registry = HandlerRegistry()
    registry.declare_publishes(LeadCreated, TourUpserted, StaffUpserted)
    return registry


def build_runtime(settings: CoreSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="core",
        schema="core",
        package="core",
        settings=settings,
        registry=build_registry(),
    )


def create_app(settings: CoreSettings | None = None) -> web.Application:
    settings = settings or CoreSettings()
    return build_app(build_runtime(settings), add_routes)
