"""Payroll entries: what each crew member earned, one per accepted assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from waops_service_kit.keyset import Keyset, SortKey

from core.domain.assignments import Assignment


async def insert_entry(
    conn: AsyncConnection, tenant_id: str, entry_id: str, assignment: Assignment, now: datetime
) -> bool:
    """False when the assignment was already paid (the unique key makes it once only)."""
    row = (
        await conn.execute(
            text(
                "INSERT INTO payroll_entries (id, tenant_id, assignment_id, trip_id, staff_id,"
                " role, amount, currency, earned_at) VALUES (:i, :t, :a, :tr, :s, :r, :amt, :c,"
                " :now) ON CONFLICT (assignment_id) DO NOTHING RETURNING id"
            ),
            {
                "i": entry_id,
                "t": tenant_id,
                "a": assignment.id,
                "tr": assignment.trip_id,
                "s": assignment.staff_id,
                "r": assignment.role,
                "amt": assignment.compensation_amount,
                "c": assignment.currency,
                "now": now,
            },
        )
    ).first()
    return row is not None


_BY_EARNING = Keyset(SortKey("p.earned_at", "timestamptz"), SortKey("p.id", "uuid"))


async def list_entries(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    staff_id: str | None,
    earned_from: datetime | None,
    earned_before: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    page = _BY_EARNING.page(after, limit)
    rows = await conn.execute(
        text(
            "SELECT p.*, tr.reference AS trip_reference, s.name AS staff_name,"
            " s.phone AS staff_phone FROM payroll_entries p JOIN trips tr ON tr.id = p.trip_id"
            " JOIN staff s ON s.id = p.staff_id WHERE p.tenant_id = :t"
            " AND (CAST(:s AS uuid) IS NULL OR p.staff_id = CAST(:s AS uuid))"
            " AND (CAST(:f AS timestamptz) IS NULL OR p.earned_at >= :f)"
            " AND (CAST(:u AS timestamptz) IS NULL OR p.earned_at < :u)"
            f" AND {page.where} {page.order_limit}"
        ),
        {"t": tenant_id, "s": staff_id, "f": earned_from, "u": earned_before, **page.params},
    )
    return [
        {
            "id": str(r.id),
            "assignment_id": str(r.assignment_id),
            "trip_id": str(r.trip_id),
            "trip_reference": r.trip_reference,
            "staff_id": str(r.staff_id),
            "staff_name": r.staff_name,
            "staff_phone": r.staff_phone,
            "role": r.role,
            "amount": str(r.amount),
            "currency": r.currency,
            "earned_at": r.earned_at.isoformat(),
        }
        for r in rows
    ]
