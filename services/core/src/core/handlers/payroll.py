"""Payroll: when a trip ends, each accepted crew member earns their agreed compensation."""

from __future__ import annotations

import uuid

from waops_contracts.events import PayrollEntryCreated, StaffContact

from core.adapters import assignments as assignment_rows
from core.adapters import payroll as payroll_rows
from core.domain.assignments import ACCEPTED
from core.domain.trips import Trip
from core.handlers.context import UseCase


async def pay_crew(call: UseCase, trip: Trip) -> int:
    """One entry per accepted assignment (declined or unanswered offers earn nothing)."""
    paid = 0
    for a in await assignment_rows.assignments_of_trip(call.conn, trip.id):
        if a.state != ACCEPTED:
            continue
        entry_id = str(uuid.uuid4())
        if not await payroll_rows.insert_entry(call.conn, call.tenant_id, entry_id, a, call.now):
            continue
        paid += 1
        await call.emit(
            PayrollEntryCreated(
                entry_id=entry_id,
                assignment_id=a.id,
                trip_id=trip.id,
                trip_reference=trip.reference,
                staff=StaffContact(
                    user_id=a.staff_id, name=a.staff_name, phone=a.staff_phone, kind=a.staff_kind
                ),
                role=a.role,
                amount=str(a.compensation_amount),
                currency=a.currency,
                earned_at=call.now.isoformat(),
            ),
            subject=f"PAYROLL/{entry_id}",
            partition_key=f"STAFF/{a.staff_id}",
        )
    return paid
