"""Staff assignments on trips, and what a staff member is already booked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

from core.adapters.directory import parse_uuid
from core.domain.assignments import Booked


@dataclass(frozen=True)
class Assignment:
    id: str
    trip_id: str
    trip_reference: str
    staff_id: str
    staff_name: str
    staff_phone: str
    staff_kind: str | None
    staff_active: bool
    role: str
    compensation_amount: Decimal
    currency: str
    state: str
    start_date: date
    end_date: date
    offered_at: datetime
    answered_at: datetime | None
    decline_reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "trip_id": self.trip_id,
            "trip_reference": self.trip_reference,
            "staff_id": self.staff_id,
            "staff_name": self.staff_name,
            "staff_phone": self.staff_phone,
            "role": self.role,
            "compensation_amount": str(self.compensation_amount),
            "currency": self.currency,
            "state": self.state,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "offered_at": self.offered_at.isoformat(),
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "decline_reason": self.decline_reason,
        }


_SELECT = (
    "SELECT a.*, tr.reference AS trip_reference, s.name AS staff_name, s.phone AS staff_phone,"
    " s.kind AS staff_kind, s.active AS staff_active FROM trip_assignments a"
    " JOIN trips tr ON tr.id = a.trip_id JOIN staff s ON s.id = a.staff_id"
)


def _assignment(r: Any) -> Assignment:
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
            " VALUES (:i, :t, :tr, :s, :r, :a, :c, :sd, :ed, :by, :now)"
        ),
        {
            "i": assignment_id,
            "t": tenant_id,
            "tr": trip_id,
            "s": staff_id,
            "r": role,
            "a": amount,
            "c": currency,
            "sd": start_date,
            "ed": end_date,
            "by": offered_by,
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
            text(f"{_SELECT} WHERE a.tenant_id = :t AND a.id = :i"),
            {"t": tenant_id, "i": assignment_id},
        )
    ).first()
    return _assignment(row) if row else None


async def assignments_of_trip(conn: AsyncConnection, trip_id: str) -> list[Assignment]:
    rows = await conn.execute(
        text(f"{_SELECT} WHERE a.trip_id = :t ORDER BY a.offered_at, a.id"), {"t": trip_id}
    )
    return [_assignment(r) for r in rows]


async def live_bookings_of(conn: AsyncConnection, staff_id: str) -> list[Booked]:
    """The staff member's offered or accepted work (call with the staff row locked)."""
    rows = await conn.execute(
        text(
            "SELECT tr.reference, a.start_date, a.end_date FROM trip_assignments a"
            " JOIN trips tr ON tr.id = a.trip_id WHERE a.staff_id = :s"
            " AND a.state IN ('OFFERED', 'ACCEPTED') AND tr.state NOT IN ('ENDED', 'CLOSED')"
        ),
        {"s": staff_id},
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
            "UPDATE trip_assignments SET state = :s, answered_at = :now, decline_reason = :r"
            " WHERE id = :i"
        ),
        {"i": assignment_id, "s": state, "now": now, "r": decline_reason},
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
            f"{_SELECT} WHERE a.tenant_id = :t"
            " AND (CAST(:st AS uuid) IS NULL OR a.staff_id = CAST(:st AS uuid))"
            " AND (CAST(:s AS text) IS NULL OR a.state = :s)"
            f" AND {page.where} {page.order_limit}"
        ),
        {"t": tenant_id, "st": staff_id, "s": state, **page.params},
    )
    return [_assignment(r) for r in rows]
