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
                " role, amount, currency, earned_at) VALUES (:entry_id, :tenant_id, :assignment_id,"
                " :trip_id, :staff_id, :role, :amount, :currency, :now)"
                " ON CONFLICT (assignment_id) DO NOTHING RETURNING id"
            ),
            {
                "entry_id": entry_id,
                "tenant_id": tenant_id,
                "assignment_id": assignment.id,
                "trip_id": assignment.trip_id,
                "staff_id": assignment.staff_id,
                "role": assignment.role,
                "amount": assignment.compensation_amount,
                "currency": assignment.currency,
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
            " JOIN staff s ON s.id = p.staff_id WHERE p.tenant_id = :tenant_id"
            " AND (CAST(:staff_id AS uuid) IS NULL OR p.staff_id = CAST(:staff_id AS uuid))"
            " AND (CAST(:earned_from AS timestamptz) IS NULL OR p.earned_at >= :earned_from)"
            " AND (CAST(:earned_before AS timestamptz) IS NULL OR p.earned_at < :earned_before)"
            f" AND {page.where} {page.order_limit}"
        ),
        {
            "tenant_id": tenant_id,
            "staff_id": staff_id,
            "earned_from": earned_from,
            "earned_before": earned_before,
            **page.params,
        },
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
