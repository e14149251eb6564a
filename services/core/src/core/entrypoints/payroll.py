"""Payroll over HTTP: what the crew earned, one entry per accepted assignment of an ended trip."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from waops_service_kit.api import Call, ListQuery, Routes, page

from core.adapters import payroll as rows
from core.entrypoints.trips import as_uuid, keyset

routes = Routes(tag="payroll", description="What field staff earned")


class PayrollQuery(ListQuery):
    staff: uuid.UUID | None = None
    from_: date | None = Field(default=None, alias="from", description="earned on or after")
    to: date | None = Field(default=None, description="earned on or before (inclusive)")


class PayrollEntryView(BaseModel):
    id: str
    assignment_id: str
    trip_id: str
    trip_reference: str
    staff_id: str
    staff_name: str
    staff_phone: str
    role: str
    amount: str
    currency: str
    earned_at: str


class PayrollList(BaseModel):
    items: list[PayrollEntryView]
    next_cursor: str | None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@routes.get("/v1/payroll", query=PayrollQuery, response=PayrollList)
async def list_payroll(call: Call) -> dict[str, Any]:
    """Payroll entries by the time they were earned (the trip's end), filtered by staff member
    and by UTC date range."""
    q: PayrollQuery = call.query
    after = keyset(q.cursor, datetime.fromisoformat, as_uuid)
    entries = await rows.list_entries(
        call.conn,
        call.tenant_id,
        staff_id=str(q.staff) if q.staff else None,
        earned_from=_midnight(q.from_) if q.from_ else None,
        earned_before=_midnight(q.to + timedelta(days=1)) if q.to and q.to < date.max else None,
        after=(after[0], after[1]) if after else None,
        limit=q.limit + 1,
    )
    items, cursor = page(entries, q.limit, lambda e: [e["earned_at"], e["id"]])
    return {"items": items, "next_cursor": cursor}
