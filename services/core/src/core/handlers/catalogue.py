"""The catalogue's use cases: tours created and changed, departures added and closed.

Every change is announced (tour_upserted, departure.upserted / departure.closed) in the same
transaction, so the conversation engine's catalogue stays in step without calling back.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from waops_contracts.events import DepartureClosed, TourUpserted

from core.adapters import catalogue
from core.adapters.catalogue import Tour
from core.domain import catalogue as rules
from core.domain.errors import Invalid, NotFound, RuleViolation
from core.handlers.context import UseCase
from core.handlers.inventory import (
    announce_departure,
    ctx_of,
    departure_event,
    lock_departure,
    seats,
)


def tour_event(tour: Tour) -> TourUpserted:
    return TourUpserted(
        tour_id=tour.id,
        code=tour.code,
        name=tour.name,
        aliases=list(tour.aliases),
        duration_days=tour.duration_days,
        price_per_person=str(tour.price_per_person),
        currency=tour.currency,
        active=tour.active,
        deposit_kind=tour.deposit.kind,
        deposit_value=str(tour.deposit.value),
    )


async def _save(call: UseCase, tour: Tour) -> dict[str, Any]:
    stored, changed = await catalogue.upsert_tour(call.conn, call.tenant_id, tour)
    if changed:
        await call.emit(tour_event(stored), subject=f"TOUR/{stored.code}")
    return stored.as_json()


async def create_tour(call: UseCase, tour: Tour) -> dict[str, Any]:
    """A new tour (TOUR_EXISTS if the code is taken; UNKNOWN_TENANT for a tenant the core
    does not serve)."""
    if not await catalogue.tenant_exists(call.conn, call.tenant_id):
        raise Invalid("UNKNOWN_TENANT", "the core serves no such tenant", tenant=call.tenant_id)
    created = await catalogue.insert_tour(call.conn, call.tenant_id, tour)
    if created is None:
        raise RuleViolation(
            "TOUR_EXISTS", f"a tour with code {tour.code} exists", tour_code=tour.code
        )
    await call.emit(tour_event(created), subject=f"TOUR/{created.code}")
    return created.as_json()


async def change_tour(call: UseCase, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change some of a tour's fields (published only if something really changed)."""
    current = await catalogue.tour_by_code(call.conn, call.tenant_id, code)
    if current is None:
        raise NotFound("TOUR_NOT_FOUND", f"no tour with code {code}", tour_code=code)
    return await _save(call, replace(current, **changes))


async def add_departure(
    call: UseCase,
    code: str,
    *,
    start_date: date,
    end_date: date | None,
    capacity: int,
    price_per_person: Decimal | None,
) -> dict[str, Any]:
    """A new OPEN departure of a tour; the end date defaults to start + duration - 1."""
    tour = await catalogue.tour_by_code(call.conn, call.tenant_id, code)
    if tour is None:
        raise NotFound("TOUR_NOT_FOUND", f"no tour with code {code}", tour_code=code)
    try:
        end = end_date or start_date + timedelta(days=tour.duration_days - 1)
    except OverflowError:
        raise Invalid("INVALID_DATES", "the departure would end past the calendar") from None
    if end < start_date:
        raise Invalid("INVALID_DATES", "a departure ends on or after its start date")
    departure_id = str(uuid.uuid4())
    added = await catalogue.insert_departure(
        call.conn,
        departure_id=departure_id,
        tour_id=tour.id,
        start_date=start_date,
        end_date=end,
        capacity=capacity,
        price_per_person=price_per_person,
    )
    if not added:
        raise RuleViolation(
            "DEPARTURE_EXISTS",
            f"{code} already departs on {start_date.isoformat()}",
            start_date=start_date.isoformat(),
        )
    ctx = ctx_of(call)
    departure = await lock_departure(ctx, departure_id)
    return departure.as_json(await announce_departure(ctx, departure))


async def departure_view(call: UseCase, departure_id: str) -> dict[str, Any]:
    found = await catalogue.departure(call.conn, call.tenant_id, departure_id)
    if found is None:
        raise NotFound("DEPARTURE_NOT_FOUND", "no such departure", id=departure_id)
    return found.as_json((await catalogue.seats_of(call.conn, [found.id]))[found.id])


async def close_departure(call: UseCase, departure_id: str) -> dict[str, Any]:
    """OPEN → CLOSED: no new bookings, holds or waitlist offers; existing bookings keep
    their seats, and open offers run out (DEPARTURE_INVALID_TRANSITION if closed)."""
    ctx = ctx_of(call)
    departure = await lock_departure(ctx, departure_id)
    status = rules.close(departure.status)
    await catalogue.set_departure_status(call.conn, departure.id, status, call.now)
    closed = replace(departure, status=status)
    now_seats = await seats(ctx, departure.id)
    await call.emit(
        departure_event(DepartureClosed, closed, now_seats), subject=f"DEPARTURE/{departure.id}"
    )
    return closed.as_json(now_seats)
