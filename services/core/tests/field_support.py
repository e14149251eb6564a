"""Helpers for the directory, trip, assignment and incident tests (not a test module)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from core.handlers import bookings as seams
from inventory_support import booked, run_seam

OPS = "+9779800000003"  # Maya Gurung, operations
MANAGER = "+9779800000006"  # Anil Rai
SALES = "+9779800000001"  # Sita Sharma
GUIDE = "+9779800000004"  # Pemba Sherpa, guide
DRIVER = "+9779800000005"  # Hari Thapa, driver
PORTER = "+9779800000007"  # Dawa Tamang, porter

# Far enough out not to meet the inventory tests' departures; 10 days apart never overlap.
_starts = itertools.count(4000, 10)


async def departure(
    core: Any, tour: str = "PKR", start_in_days: int | None = None
) -> dict[str, Any]:
    days = start_in_days if start_in_days is not None else next(_starts)
    start = (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
    status, body = await core.send(
        "POST", f"/v1/tours/{tour}/departures", {"start_date": start, "capacity": 12}
    )
    assert status == 201, body
    return dict(body["departure"])


async def open_trip(core: Any, departure_id: str) -> dict[str, Any]:
    status, body = await core.send("POST", f"/v1/departures/{departure_id}/trip")
    assert status in (200, 201), body
    return dict(body["trip"])


async def new_trip(
    core: Any, tour: str = "PKR", start_in_days: int | None = None
) -> dict[str, Any]:
    return await open_trip(core, (await departure(core, tour, start_in_days))["id"])


async def staff_id(core: Any, phone: str) -> str:
    status, body = await core.get(f"/v1/staff?phone={phone.replace('+', '%2B')}")
    assert status == 200 and len(body["staff"]) == 1, body
    return str(body["staff"][0]["id"])


async def add_staff(core: Any, name: str, phone: str, kind: str = "guide") -> str:
    status, body = await core.send(
        "POST", "/v1/staff", {"name": name, "phone": phone, "role": "FIELD_STAFF", "kind": kind}
    )
    assert status == 201, body
    return str(body["staff_member"]["id"])


async def offer(
    core: Any,
    trip: str,
    staff: str,
    role: str = "LEAD_GUIDE",
    amount: str = "420.00",
    actor: str | None = OPS,
    **extra: Any,
) -> tuple[int, dict[str, Any]]:
    body = {"staff_id": staff, "role": role, "compensation_amount": amount, **extra}
    return await core.send("POST", f"/v1/trips/{trip}/assignments", body, actor=actor)


async def offered(core: Any, trip: str, phone: str, role: str, amount: str = "420.00") -> str:
    status, body = await offer(core, trip, await staff_id(core, phone), role, amount)
    assert status == 201, body
    return str(body["assignment"]["id"])


async def accepted(core: Any, trip: str, phone: str, role: str, amount: str = "420.00") -> str:
    assignment = await offered(core, trip, phone, role, amount)
    status, body = await core.send("POST", f"/v1/assignments/{assignment}/accept", actor=phone)
    assert status == 200, body
    return assignment


async def staffed_trip(core: Any, tour: str = "PKR") -> dict[str, Any]:
    """A trip with Pemba accepted as its lead guide: STAFF_ASSIGNED."""
    trip = await new_trip(core, tour)
    await accepted(core, trip["id"], GUIDE, "LEAD_GUIDE")
    return trip


async def confirmed_booking(core: Any, departure_id: str, pax: int, phone: str) -> dict[str, Any]:
    """A booking held through the API and paid (the payments area's seam confirms it)."""
    held = await booked(core, departure_id, pax, phone=phone, name=f"Traveller {pax}")
    return dict(await run_seam(core, seams.confirm_paid_booking, held["id"]))


async def trip_action(
    core: Any, trip: str, action: str, actor: str | None, note: str | None = None, **kw: Any
) -> tuple[int, dict[str, Any]]:
    body = {} if note is None else {"note": note}
    return await core.send("POST", f"/v1/trips/{trip}/{action}", body, actor=actor, **kw)
