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
from waops_contracts.events import bookings as booking_events
from waops_contracts.events import catalogue as catalogue_events
from waops_contracts.events import incidents as incident_events
from waops_contracts.events import inventory as inventory_events
from waops_contracts.events import leads as lead_events
from waops_contracts.events import payments as payment_events
from waops_contracts.events import trips as trip_events
from waops_contracts.events.directory import TenantCreated
from waops_messaging import EventWriter, HandlerRegistry
from waops_service_kit import ServiceRuntime, build_app
from waops_service_kit.api import Routes, idempotency

from core.domain.clock import Clock
from core.entrypoints import admin, api, catalogue, directory, leads
from core.entrypoints import assignments as assignment_routes
from core.entrypoints import bookings as booking_routes
from core.entrypoints import incidents as incident_routes
from core.entrypoints import inventory as inventory_sweeps
from core.entrypoints import payments as payment_routes
from core.entrypoints import payroll as payroll_routes
from core.entrypoints import quotes as quote_routes
from core.entrypoints import trips as trip_routes
from core.entrypoints import waitlist as waitlist_routes
from core.entrypoints.deps import DEPS, CoreDeps
from core.handlers.sweeps import Sweep, Sweeper
from core.settings import CoreSettings

API_VERSION = "1.0.0"
# Catalogue (departures), bookings, holds and the waitlist.
INVENTORY_EVENTS = (
    catalogue_events.DepartureUpserted,
    catalogue_events.DepartureClosed,
    booking_events.BookingHeld,
    booking_events.BookingPaymentPending,
    booking_events.BookingConfirmed,
    booking_events.BookingActivated,
    booking_events.BookingCompleted,
    booking_events.BookingCancelled,
    booking_events.BookingWaitlisted,
    inventory_events.HoldPlaced,
    inventory_events.HoldReleased,
    inventory_events.HoldExpired,
    inventory_events.WaitlistJoined,
    inventory_events.WaitlistOffered,
    inventory_events.WaitlistOfferExpired,
    inventory_events.WaitlistOfferDeclined,
    inventory_events.WaitlistConfirmed,
)
# The directory, trips, assignments, payroll and incidents (field operations).
FIELD_EVENTS = (
    TenantCreated,
    trip_events.TripStaffAssigned,
    trip_events.TripStarted,
    trip_events.TripInProgress,
    trip_events.TripEnded,
    trip_events.TripClosed,
    trip_events.TripUpdatePosted,
    trip_events.AssignmentOffered,
    trip_events.AssignmentAccepted,
    trip_events.AssignmentDeclined,
    trip_events.PayrollEntryCreated,
    incident_events.IncidentReported,
    incident_events.IncidentUpdated,
    incident_events.IncidentResolved,
)
# The sales pipeline (lead moves, quotes) and payments.
SALES_EVENTS = (
    lead_events.LeadContacted,
    lead_events.LeadQualified,
    lead_events.LeadQuoted,
    lead_events.LeadWon,
    lead_events.LeadLost,
    lead_events.QuoteSent,
    payment_events.PaymentLinkCreated,
    payment_events.PaymentReceived,
    payment_events.PaymentFullyPaid,
    payment_events.PaymentBalanceDue,
)
# One group per business area; the order is the order of the OpenAPI document's tags.
API_GROUPS: list[Routes] = [
    leads.routes,
    quote_routes.routes,
    catalogue.routes,
    booking_routes.routes,
    payment_routes.routes,
    waitlist_routes.routes,
    directory.routes,
    trip_routes.routes,
    assignment_routes.routes,
    incident_routes.routes,
    payroll_routes.routes,
    admin.routes,
]


def build_sweeps(settings: CoreSettings) -> dict[str, Sweep]:
    ttl = timedelta(hours=settings.idempotency_ttl_hours)

    async def purge_idempotency_keys(engine: AsyncEngine, _: EventWriter, now: datetime) -> int:
        async with engine.begin() as conn:
            return await idempotency.purge_older_than(conn, now - ttl)

    return {
        "idempotency.purge": purge_idempotency_keys,
        "holds.expire": inventory_sweeps.holds_expire(settings),
        "waitlist.offers_expire": waitlist_routes.offers_expire(settings),
        "payments.balance_reminders": payment_routes.balance_reminders(settings),
    }


def build_registry() -> HandlerRegistry:
    """No consumers: the core is driven by its HTTP API. The runtime still runs the outbox
    relay, which publishes what the API, the sweeps and the demo loader stage."""
    registry = HandlerRegistry()
    registry.declare_publishes(LeadCreated, TourUpserted, StaffUpserted)
    registry.declare_publishes(*INVENTORY_EVENTS)
    registry.declare_publishes(*FIELD_EVENTS)
    registry.declare_publishes(*SALES_EVENTS)
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
