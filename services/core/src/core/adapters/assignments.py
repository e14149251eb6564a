"""Staff assignments on trips, and what a staff member is already booked for."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

from core.adapters.directory import parse_uuid
from core.domain.assignments import Assignment, Booked

_SELECT = (
    "SELECT a.*, tr.reference AS trip_reference, s.name AS staff_name, s.phone AS staff_phone,"
    " s.kind AS staff_kind, s.active AS staff_active FROM trip_assignments a"
    " JOIN trips tr ON tr.id = a.trip_id JOIN staff s ON s.id = a.staff_id"
)


def assignment_from_row(r: Row[Any]) -> Assignment:
    """A ``trip_assignments`` row (joined with its trip's reference and its staff) as the
    aggregate."""
    return Assignment(
        id=str(r.id),
        trip_id=str(r.trip_id),
        trip_reference=r.trip_reference,
        staff_id=str(r.staff_id),
        staff_name=r.staff_name,
        staff_phone=r.staff_phone,
        staff_kind=r.staff_kind,
        staff_active=r.staff_active,
        role=r.role,
        compensation_amount=r.compensation_amount,
        currency=r.currency,
        state=r.state,
        start_date=r.start_date,
        end_date=r.end_date,
        offered_at=r.offered_at,
        answered_at=r.answered_at,
        decline_reason=r.decline_reason,
    )


async def insert_assignment(
    conn: AsyncConnection,
    *,
    assignment_id: str,
    tenant_id: str,
    trip_id: str,
    staff_id: str,
    role: str,
    amount: Decimal,
    currency: str,
    start_date: date,
    end_date: date,
    offered_by: str,
    now: datetime,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO trip_assignments (id, tenant_id, trip_id, staff_id, role,"
            " compensation_amount, currency, start_date, end_date, offered_by, offered_at)"
            " VALUES (:assignment_id, :tenant_id, :trip_id, :staff_id, :role,"
            " :compensation_amount, :currency, :start_date, :end_date, :offered_by, :now)"
        ),
        {
            "assignment_id": assignment_id,
            "tenant_id": tenant_id,
            "trip_id": trip_id,
            "staff_id": staff_id,
            "role": role,
            "compensation_amount": amount,
            "currency": currency,
            "start_date": start_date,
            "end_date": end_date,
            "offered_by": offered_by,
            "now": now,
        },
    )


async def find_assignment(
    conn: AsyncConnection, tenant_id: str, assignment_id: str
) -> Assignment | None:
    if parse_uuid(assignment_id) is None:
        return None
    row = (
        await conn.execute(
            text(f"{_SELECT} WHERE a.tenant_id = :tenant_id AND a.id = :assignment_id"),
            {"tenant_id": tenant_id, "assignment_id": assignment_id},
        )
    ).first()
    return assignment_from_row(row) if row else None


async def assignments_of_trip(conn: AsyncConnection, trip_id: str) -> list[Assignment]:
    rows = await conn.execute(
        text(f"{_SELECT} WHERE a.trip_id = :trip_id ORDER BY a.offered_at, a.id"),
        {"trip_id": trip_id},
    )
    return [assignment_from_row(r) for r in rows]


async def live_bookings_of(conn: AsyncConnection, staff_id: str) -> list[Booked]:
    """The staff member's offered or accepted work (call with the staff row locked)."""
    rows = await conn.execute(
        text(
            "SELECT tr.reference, a.start_date, a.end_date FROM trip_assignments a"
            " JOIN trips tr ON tr.id = a.trip_id WHERE a.staff_id = :staff_id"
            " AND a.state IN ('OFFERED', 'ACCEPTED') AND tr.state NOT IN ('ENDED', 'CLOSED')"
        ),
        {"staff_id": staff_id},
    )
    return [Booked(r.reference, r.start_date, r.end_date) for r in rows]


async def answer(
    conn: AsyncConnection,
    assignment_id: str,
    state: str,
    now: datetime,
    decline_reason: str | None = None,
) -> None:
    await conn.execute(
        text(
            "UPDATE trip_assignments SET state = :state, answered_at = :now,"
            " decline_reason = :decline_reason WHERE id = :assignment_id"
        ),
        {
            "assignment_id": assignment_id,
            "state": state,
            "now": now,
            "decline_reason": decline_reason,
        },
    )


_BY_START = Keyset(SortKey("a.start_date", "date"), SortKey("a.id", "uuid"))


async def list_assignments(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    staff_id: str | None,
    state: str | None,
    after: list[Any] | None,
    limit: int,
) -> list[Assignment]:
    page = _BY_START.page(after, limit)
    rows = await conn.execute(
        text(
            f"{_SELECT} WHERE a.tenant_id = :tenant_id"
            " AND (CAST(:staff_id AS uuid) IS NULL OR a.staff_id = CAST(:staff_id AS uuid))"
            " AND (CAST(:state AS text) IS NULL OR a.state = :state)"
            f" AND {page.where} {page.order_limit}"
        ),
        {"tenant_id": tenant_id, "staff_id": staff_id, "state": state, **page.params},
    )
    return [assignment_from_row(r) for r in rows]
