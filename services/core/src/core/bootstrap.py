"""The core's composition root: the only place that wires its parts.

A reader finds the core's whole job here: the API groups it serves (each a module of
``core.entrypoints``), the time-driven sweeps it runs, and the events it publishes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts.events import LeadCreated, StaffUpserted, TourUpserted
from waops_messaging import EventWriter, HandlerRegistry
from waops_service_kit import ServiceRuntime, build_app

from core import api
from core.adapters import idempotency
from core.bootstrap_keys import DEPS, CoreDeps
from core.clock import Clock
from core.entrypoints import admin, catalogue, directory, leads
from core.settings import CoreSettings
from core.sweeps import Sweep, Sweeper

API_VERSION = "1.0.0"
# One group per business area; the order is the order of the OpenAPI document's tags.
API_GROUPS: list[api.Routes] = [
    leads.routes,
    catalogue.routes,
    directory.routes,
    admin.routes,
]


def build_sweeps(settings: CoreSettings) -> dict[str, Sweep]:
    ttl = timedelta(hours=settings.idempotency_ttl_hours)

    async def purge_idempotency_keys(engine: AsyncEngine, _: EventWriter, now: datetime) -> int:
        async with engine.begin() as conn:
            return await idempotency.purge_older_than(conn, now - ttl)

    return {"idempotency.purge": purge_idempotency_keys}


def build_registry() -> HandlerRegistry:
    """No consumers: the core is driven by its HTTP API. The runtime still runs the outbox
    relay, which publishes what the API, the sweeps and the demo loader stage."""
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


def create_app(settings: CoreSettings | None = None, clock: Clock | None = None) -> web.Application:
    settings = settings or CoreSettings()
    runtime = build_runtime(settings)
    clock = clock or Clock()
    sweeper = Sweeper(
        runtime.engine, runtime.writer, clock, build_sweeps(settings), settings.sweep_interval
    )

    def add_routes(app: web.Application) -> None:
        app[DEPS] = CoreDeps(settings=settings, clock=clock, sweeper=sweeper)
        api.mount(
            app, API_GROUPS, lambda r: r.app[DEPS].clock, title="waops core", version=API_VERSION
        )

    async def sweeping(_: web.Application) -> AsyncIterator[None]:
        sweeper.start()  # after the runtime started (migrations done): cleanup_ctx order
        yield
        await sweeper.stop()

    return build_app(runtime, add_routes, extra_lifecycle=[sweeping])
