"""Helpers for the catalogue, inventory, bookings and waitlist tests (not a test module)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.handlers.context import UseCase
from waops_service_kit.api import Actor

MANAGER_PHONE = "+9779800000006"  # Anil Rai, the demo's manager
SALES_PHONE = "+9779800000001"  # Sita Sharma, a sales rep

_starts = iter(range(400, 100_000))  # past the demo's months


def future_start(days: int | None = None) -> str:
    """A start date in the future, unique per call (one departure per tour per day)."""
    return (datetime.now(UTC).date() + timedelta(days=days or next(_starts))).isoformat()


async def new_departure(
    core: Any, capacity: int, *, tour: str = "EBC", price: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"start_date": future_start(), "capacity": capacity}
    if price is not None:
        body["price_per_person"] = price
    status, answer = await core.send("POST", f"/v1/tours/{tour}/departures", body)
    assert status == 201, answer
    return dict(answer["departure"])


def customer(n: int) -> str:
    return f"+97798412{n:05d}"


async def book(
    core: Any,
    departure_id: str,
    pax: int = 1,
    *,
    phone: str | None = None,
    name: str | None = "Asha",
    key: str | None = None,
    actor: str | None = None,
    **extra: Any,
) -> tuple[int, dict[str, Any]]:
    body = {
        "departure_id": departure_id,
        "pax": pax,
        "customer_phone": phone or customer(pax),
        "customer_name": name,
        **extra,
    }
    status, answer = await core.send(
        "POST", "/v1/bookings", body, key=key or str(uuid.uuid4()), actor=actor
    )
    return status, answer


async def booked(core: Any, departure_id: str, pax: int = 1, **kw: Any) -> dict[str, Any]:
    status, answer = await book(core, departure_id, pax, **kw)
    assert status == 201, answer
    return dict(answer["booking"])


async def seats(core: Any, departure_id: str) -> dict[str, Any]:
    status, answer = await core.get(f"/v1/departures/{departure_id}")
    assert status == 200, answer
    return dict(answer["departure"]["seats"])


async def booking(core: Any, ref: str) -> dict[str, Any]:
    status, answer = await core.get(f"/v1/bookings/{ref}")
    assert status == 200, answer
    return dict(answer["booking"])


def seam_call(core: Any, conn: Any, actor: str | None = None) -> UseCase:
    """The ``UseCase`` a route would build, for the seams other areas use, in the caller's
    transaction."""
    return UseCase(
        conn=conn,
        tenant_id="demo",
        now=core.deps.clock.now(),
        actor=Actor(actor, None),
        settings=core.deps.settings,
        writer=core.runtime.writer,
    )


async def run_seam(core: Any, seam: Any, *args: Any, actor: str | None = None) -> Any:
    async with core.runtime.engine.begin() as conn:
        return await seam(seam_call(core, conn, actor), *args)


def today() -> date:
    return datetime.now(UTC).date()


async def event_of(captured: Any, event_type: str, **match: Any) -> Any:
    """The first captured ``event_type`` whose data has the ``match`` values."""

    def fits(e: Any) -> bool:
        return bool(e.type == event_type and all(e.data.get(k) == v for k, v in match.items()))

    return await captured.first(fits, what=f"{event_type} {match}")


async def events_of(captured: Any, event_type: str, n: int, **match: Any) -> list[Any]:
    """``n`` captured ``event_type`` events with the ``match`` values (waiting for them)."""
    from waops_testing.poll import eventually

    async def enough() -> list[Any] | None:
        found = [
            e
            for e in captured.events
            if e.type == event_type and all(e.data.get(k) == v for k, v in match.items())
        ]
        return found if len(found) >= n else None

    return list(await eventually(enough, timeout=20, what=f"{n} x {event_type}"))
