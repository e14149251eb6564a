"""Seats: the departure lock, holds placed, confirmed and ended, and what gets announced.

Every change to a departure's seats runs in one transaction that first locks the
departure's row (``lock_departure``): seat counts are read and changed under that lock, so
capacity holds under any concurrency, and the lock order (departure, then booking, hold,
waitlist entry) rules out deadlocks between the API and the sweeps.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from waops_contracts import Event
from waops_contracts.events import DepartureUpserted
from waops_contracts.events import Seats as SeatsPayload
from waops_contracts.events.bookings import BookingEvent
from waops_contracts.events.catalogue import DepartureEvent
from waops_contracts.events.inventory import HoldEvent
from waops_messaging import EventWriter

from core.adapters import catalogue, inventory
from core.adapters.bookings import booking_view
from core.adapters.catalogue import Departure
from core.domain.catalogue import Seats
from core.domain.errors import NotFound
from core.domain.inventory import Hold, check_hold
from core.handlers.context import UseCase
from core.handlers.sweeps import Sweep
from core.settings import CoreSettings

Emit = Callable[[Event, str], Awaitable[None]]  # (event, subject), staged in the transaction


@dataclass(frozen=True)
class Ctx:
    """What a seat-changing use case needs: the transaction, the tenant, one instant, an
    event stager, and the windows (hold, offer) the settings give."""

    conn: AsyncConnection
    tenant_id: str
    now: datetime
    emit: Emit
    hold_ttl: timedelta
    offer_ttl: timedelta
    actor: str | None = None


def ctx_of(call: UseCase) -> Ctx:
    settings = call.settings

    async def emit(event: Event, subject: str) -> None:
        await call.emit(event, subject=subject)

    return Ctx(
        call.conn,
        call.tenant_id,
        call.now,
        emit,
        timedelta(hours=settings.hold_hours),
        timedelta(hours=settings.offer_hours),
        call.actor.id,
    )


def sweep_ctx(
    conn: AsyncConnection,
    writer: EventWriter,
    tenant_id: str,
    now: datetime,
    settings: CoreSettings,
) -> Ctx:
    """A context for the sweeps and the demo loader: events go through the writer."""

    async def emit(event: Event, subject: str) -> None:
        await writer.write(conn, event, tenant_id=tenant_id, subject=subject, partition_key=subject)

    return Ctx(
        conn,
        tenant_id,
        now,
        emit,
        timedelta(hours=settings.hold_hours),
        timedelta(hours=settings.offer_hours),
    )


T = TypeVar("T")


class DueItem(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def departure_id(self) -> str: ...


SWEEP_BATCH = 100


def departure_sweep(
    settings: CoreSettings,
    find_due: Callable[[AsyncConnection, datetime, int], Awaitable[Sequence[DueItem]]],
    claim: Callable[[AsyncConnection, str, datetime], Awaitable[T | None]],
    expire: Callable[[Ctx, Departure, T], Awaitable[Any]],
) -> Sweep:
    """A sweep that expires what is due (holds, waitlist offers) one item per transaction.

    Due items are read without locks; each is then handled in its own short transaction
    that takes its departure's lock first (the one lock order) and re-claims the item with
    ``SKIP LOCKED``, so replicas sweep side by side and an item paid or confirmed meanwhile
    is left alone.
    """

    async def sweep(engine: AsyncEngine, writer: EventWriter, now: datetime) -> int:
        handled = 0
        while True:
            async with engine.connect() as conn:
                due = await find_due(conn, now, SWEEP_BATCH)
            done = 0
            for item in due:
                async with engine.begin() as conn:
                    ctx = sweep_ctx(conn, writer, item.tenant_id, now, settings)
                    departure = await lock_departure(ctx, item.departure_id)
                    claimed = await claim(conn, item.id, now)
                    if claimed is not None:
                        await expire(ctx, departure, claimed)
                        done += 1
            handled += done
            if done == 0 or len(due) < SWEEP_BATCH:
                return handled

    return sweep


async def lock_departure(ctx: Ctx, departure_id: str) -> Departure:
    """The departure, row-locked until commit; ``DEPARTURE_NOT_FOUND`` if not the tenant's."""
    found = await catalogue.departure(ctx.conn, ctx.tenant_id, departure_id, lock=True)
    if found is None:
        raise NotFound("DEPARTURE_NOT_FOUND", "no such departure", id=departure_id)
    return found


async def seats(ctx: Ctx, departure_id: str) -> Seats:
    return (await catalogue.seats_of(ctx.conn, [departure_id]))[departure_id]


async def announce_departure(ctx: Ctx, departure: Departure) -> Seats:
    """Publish the departure with its current seats (a read model stays in step)."""
    now_seats = await seats(ctx, departure.id)
    await ctx.emit(
        departure_event(DepartureUpserted, departure, now_seats), f"DEPARTURE/{departure.id}"
    )
    return now_seats


def departure_event(
    cls: type[DepartureEvent], departure: Departure, seats: Seats
) -> DepartureEvent:
    return cls(
        departure_id=departure.id,
        tour_id=departure.tour_id,
        tour_code=departure.tour_code,
        tour_name=departure.tour_name,
        start_date=departure.start_date.isoformat(),
        end_date=departure.end_date.isoformat(),
        status=departure.status,
        price_per_person=str(departure.price_per_person),
        currency=departure.currency,
        seats=SeatsPayload(**seats.as_json()),
    )


async def view(ctx: Ctx, booking_id: str) -> dict[str, Any]:
    found = await booking_view(ctx.conn, ctx.tenant_id, booking_id)
    assert found is not None  # callers hold the booking's lock
    return found


def booking_payload(booking: dict[str, Any]) -> dict[str, Any]:
    """The fields every booking-related event carries (the booking as a subscriber needs it)."""
    return {
        "booking_id": booking["id"],
        "reference": booking["reference"],
        "tour_code": booking["tour_code"],
        "tour_name": booking["tour_name"],
        "departure_id": booking["departure_id"],
        "start_date": booking["start_date"],
        "end_date": booking["end_date"],
        "pax": booking["pax"],
        "customer_phone": booking["customer_phone"],
        "customer_name": booking["customer_name"],
    }


async def announce_booking(
    ctx: Ctx, cls: type[BookingEvent], booking: dict[str, Any], previous_state: str | None
) -> None:
    hold = booking["hold"]
    live_hold = hold is not None and hold["status"] == "ACTIVE"
    waitlist = booking["waitlist"]
    await ctx.emit(
        cls(
            **booking_payload(booking),
            state=booking["state"],
            previous_state=previous_state,
            tour_id=booking["tour_id"],
            price_per_person=booking["price_per_person"],
            total_amount=booking["total_amount"],
            deposit_amount=booking["deposit_amount"],
            currency=booking["currency"],
            lead_id=booking["lead_id"],
            hold_expires_at=hold["expires_at"] if live_hold else None,
            hold_override=bool(
                hold and hold["override"] and hold["status"] in ("ACTIVE", "CONFIRMED")
            ),
            waitlist_position=waitlist["position"] if waitlist else None,
            cancel_reason=booking["cancel_reason"],
        ),
        f"BOOKING/{booking['id']}",
    )


async def admit(
    ctx: Ctx, departure: Departure, pax: int, *, override: bool, own_offer: int = 0
) -> tuple[str | None, Seats]:
    """May a hold of ``pax`` be placed now (the departure locked by the caller)? Answers the
    manager whose override it needs (None if it fits) and the seats as they stand.

    ``own_offer``: seats reserved by this booking's own waitlist offer, free for it.
    Raises OVERRIDE_NOT_ALLOWED, DEPARTURE_CLOSED, DEPARTURE_STARTED or NO_SEATS_LEFT.
    Nothing is written, so a refusal leaves the caller's transaction clean.
    """
    manager = (
        await inventory.active_manager(ctx.conn, ctx.tenant_id, ctx.actor) if override else None
    )
    current = await seats(ctx, departure.id)
    counted = replace(current, reserved=current.reserved - own_offer)
    needs_override = check_hold(
        counted,
        pax,
        departure_status=departure.status,
        started=departure.start_date <= ctx.now.date(),
        override=override,
        actor_is_manager=manager is not None,
    )
    return (manager if needs_override else None), current


async def place_hold(
    ctx: Ctx, departure: Departure, booking_id: str, pax: int, overridden_by: str | None
) -> Hold:
    """Hold the seats ``admit`` allowed, until now + the hold window."""
    return await inventory.insert_hold(
        ctx.conn,
        hold_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        booking_id=booking_id,
        departure_id=departure.id,
        pax=pax,
        expires_at=ctx.now + ctx.hold_ttl,
        overridden_by=overridden_by,
        now=ctx.now,
    )


async def announce_hold(
    ctx: Ctx,
    cls: type[HoldEvent],
    booking: dict[str, Any],
    hold: Hold,
    *,
    available: int,
    reason: str | None = None,
) -> None:
    await ctx.emit(
        cls(
            **booking_payload(booking),
            hold_id=hold.id,
            expires_at=hold.expires_at.isoformat() if hold.expires_at else None,
            override=hold.override,
            overridden_by=hold.overridden_by,
            reason=reason,
            available=available,
        ),
        f"BOOKING/{booking['id']}",
    )
