"""Trips: one row per departure, found by id or by reference (``EBC-251005``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts.references import parse_trip_reference
from waops_service_kit.keyset import Keyset, SortKey

from core.adapters.directory import parse_uuid
from core.domain.trips import SCHEDULED, Departure, Trip


async def departure_of(
    conn: AsyncConnection, tenant_id: str, departure_id: str
) -> Departure | None:
    """The tenant's departure (departures are scoped through their tour)."""
    if parse_uuid(departure_id) is None:
        return None
    row = (
        await conn.execute(
            text(
                "SELECT d.id, t.code, t.name, d.start_date, d.end_date FROM departures d"
                " JOIN tours t ON t.id = d.tour_id"
                " WHERE t.tenant_id = :tenant_id AND d.id = :departure_id"
            ),
            {"tenant_id": tenant_id, "departure_id": departure_id},
        )
    ).first()
    return Departure(str(row.id), row.code, row.name, row.start_date, row.end_date) if row else None


async def insert_trip(
    conn: AsyncConnection, tenant_id: str, trip_id: str, departure_id: str, reference: str
) -> bool:
    """False when the departure already has its trip (one per departure).

    No conflict target: the reference follows from the departure, so a concurrent open may
    trip the reference's unique index before the departure's, and either means "exists"."""
    row = (
        await conn.execute(
            text(
                "INSERT INTO trips (id, tenant_id, departure_id, reference, state)"
                " VALUES (:trip_id, :tenant_id, :departure_id, :reference, :state)"
                " ON CONFLICT DO NOTHING RETURNING id"
            ),
            {
                "trip_id": trip_id,
                "tenant_id": tenant_id,
                "departure_id": departure_id,
                "reference": reference,
                "state": SCHEDULED,
            },
        )
    ).first()
    return row is not None


_SELECT = (
    "SELECT tr.id, tr.reference, tr.state, tr.started_at, tr.in_progress_at, tr.ended_at,"
    " tr.end_note, tr.closed_at, tr.created_at, d.id AS departure_id, t.code, t.name,"
    " d.start_date, d.end_date FROM trips tr JOIN departures d ON d.id = tr.departure_id"
    " JOIN tours t ON t.id = d.tour_id"
)


def trip_from_row(r: Row[Any]) -> Trip:
    """A ``trips`` row (joined with its departure and tour, ``_SELECT``) as the aggregate."""
    return Trip(
        id=str(r.id),
        reference=r.reference,
        state=r.state,
        departure=Departure(str(r.departure_id), r.code, r.name, r.start_date, r.end_date),
        started_at=r.started_at,
        in_progress_at=r.in_progress_at,
        ended_at=r.ended_at,
        end_note=r.end_note,
        closed_at=r.closed_at,
        created_at=r.created_at,
    )


async def find_trip(
    conn: AsyncConnection, tenant_id: str, key: str, *, lock: bool = False
) -> Trip | None:
    """By id, or by reference in any case (``ebc-251005``); ``lock`` holds the trip row
    until commit, which serialises everything that changes the trip or its assignments."""
    trip_id, reference = parse_uuid(key), parse_trip_reference(key)
    if trip_id is None and reference is None:
        return None
    column, value = ("tr.id", trip_id) if trip_id else ("tr.reference", reference)
    row = (
        await conn.execute(
            text(
                f"{_SELECT} WHERE tr.tenant_id = :tenant_id AND {column} = :trip_key"
                + (" FOR UPDATE OF tr" if lock else "")
            ),
            {"tenant_id": tenant_id, "trip_key": value},
        )
    ).first()
    return trip_from_row(row) if row else None


async def trip_of_departure(conn: AsyncConnection, tenant_id: str, departure_id: str) -> Trip:
    row = (
        await conn.execute(
            text(f"{_SELECT} WHERE tr.tenant_id = :tenant_id AND tr.departure_id = :departure_id"),
            {"tenant_id": tenant_id, "departure_id": departure_id},
        )
    ).one()
    return trip_from_row(row)


# The timestamp column each state records, and who caused it.
_STAMPS = {
    "STARTED": ("started_at", "started_by"),
    "IN_PROGRESS": ("in_progress_at", None),
    "ENDED": ("ended_at", "ended_by"),
    "CLOSED": ("closed_at", "closed_by"),
}


async def move_trip(
    conn: AsyncConnection,
    trip_id: str,
    state: str,
    now: datetime,
    *,
    by: str | None = None,
    note: str | None = None,
) -> None:
    sets = ["state = :state", "updated_at = :now"]
    stamp, by_column = _STAMPS.get(state, (None, None))
    if stamp:
        sets.append(f"{stamp} = :now")
    if by_column:
        sets.append(f"{by_column} = :moved_by")
    if state == "ENDED":
        sets.append("end_note = :note")
    await conn.execute(
        text(f"UPDATE trips SET {', '.join(sets)} WHERE id = :trip_id"),
        {"trip_id": trip_id, "state": state, "now": now, "moved_by": by, "note": note},
    )


_BY_START = Keyset(SortKey("d.start_date", "date"), SortKey("tr.id", "uuid"))


async def list_trips(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    state: str | None,
    departure_id: str | None,
    staff_id: str | None,
    after: list[Any] | None,
    limit: int,
) -> list[Trip]:
    """By start date then id; ``staff_id``: trips where they hold a live assignment."""
    page = _BY_START.page(after, limit)
    rows = await conn.execute(
        text(
            f"{_SELECT} WHERE tr.tenant_id = :tenant_id"
            " AND (CAST(:state AS text) IS NULL OR tr.state = :state)"
            " AND (CAST(:departure_id AS uuid) IS NULL"
            " OR tr.departure_id = CAST(:departure_id AS uuid))"
            " AND (CAST(:staff_id AS uuid) IS NULL OR EXISTS (SELECT 1 FROM trip_assignments a"
            "  WHERE a.trip_id = tr.id AND a.staff_id = CAST(:staff_id AS uuid)"
            "  AND a.state IN ('OFFERED', 'ACCEPTED')))"
            f" AND {page.where} {page.order_limit}"
        ),
        {
            "tenant_id": tenant_id,
            "state": state,
            "departure_id": departure_id,
            "staff_id": staff_id,
            **page.params,
        },
    )
    return [trip_from_row(r) for r in rows]
