"""Offering trip work to field staff, and their answers.

Operations (or a manager) offer; only the staff member offered may accept or decline. An
offer books the member's dates at once, so two offers for overlapping departures cannot both
be out; the member's row lock makes that check safe under concurrent offers.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from waops_contracts.events import (
    AssignmentAccepted,
    AssignmentDeclined,
    AssignmentOffered,
    StaffContact,
)
from waops_contracts.events.trips import AssignmentEvent

from core.adapters import assignments as rows
from core.adapters import directory
from core.domain import assignments as rules
from core.domain import trips as trip_rules
from core.domain.assignments import Assignment
from core.domain.directory import FIELD_STAFF, NotAllowed, require_office
from core.domain.errors import Invalid, NotFound, RuleViolation
from core.domain.trips import Trip
from core.handlers.context import UseCase
from core.handlers.trips import acting_staff, find_trip, note_activity


async def _announce(
    call: UseCase, kind: type[AssignmentEvent], a: Assignment, trip: Trip, **extra: Any
) -> None:
    await call.emit(
        kind(
            assignment_id=a.id,
            trip_id=trip.id,
            trip_reference=trip.reference,
            state=a.state,
            tour_code=trip.departure.tour_code,
            tour_name=trip.departure.tour_name,
            start_date=a.start_date.isoformat(),
            end_date=a.end_date.isoformat(),
            staff=StaffContact(
                user_id=a.staff_id, name=a.staff_name, phone=a.staff_phone, kind=a.staff_kind
            ),
            role=a.role,
            compensation_amount=str(a.compensation_amount),
            currency=a.currency,
            **extra,
        ),
        subject=f"ASSIGNMENT/{a.id}",
        partition_key=f"TRIP/{trip.id}",
    )


async def offer(
    call: UseCase, trip_key: str, staff_id: str, role: str, amount: Decimal, currency: str
) -> Assignment:
    trip = await find_trip(call, trip_key, lock=True)
    office = await acting_staff(call)
    require_office(office.role, office.active, "offer trip work")
    trip.after(trip_rules.OFFER)
    member = await directory.staff_by_id(call.conn, call.tenant_id, staff_id, lock=True)
    if member is None:
        raise Invalid("UNKNOWN_STAFF", "no such staff member", staff_id=staff_id)
    if not member.active:
        raise RuleViolation("STAFF_INACTIVE", f"{member.name} is no longer active")
    if member.role != FIELD_STAFF:
        raise RuleViolation("NOT_FIELD_STAFF", f"{member.name} is {member.role}, not field staff")
    rules.check_role_fits(role, member.kind)
    live = [a for a in await rows.assignments_of_trip(call.conn, trip.id) if a.state in rules.LIVE]
    rules.check_lead_guide_free(role, [a.role for a in live])
    d = trip.departure
    rules.check_free(d.start_date, d.end_date, await rows.live_bookings_of(call.conn, member.id))
    assignment_id = str(uuid.uuid4())
    await rows.insert_assignment(
        call.conn,
        assignment_id=assignment_id,
        tenant_id=call.tenant_id,
        trip_id=trip.id,
        staff_id=member.id,
        role=role,
        amount=amount,
        currency=currency,
        start_date=d.start_date,
        end_date=d.end_date,
        offered_by=office.id,
        now=call.now,
    )
    created = await find_assignment(call, assignment_id)
    await _announce(call, AssignmentOffered, created, trip)
    return created


async def find_assignment(call: UseCase, assignment_id: str) -> Assignment:
    found = await rows.find_assignment(call.conn, call.tenant_id, assignment_id)
    if found is None:
        raise NotFound("ASSIGNMENT_NOT_FOUND", "no such assignment", id=assignment_id)
    return found


async def _answer(
    call: UseCase, assignment_id: str, action: str, reason: str | None = None
) -> Assignment:
    first = await find_assignment(call, assignment_id)
    trip = await find_trip(call, first.trip_id, lock=True)  # serialises answers on the trip
    a = await find_assignment(call, assignment_id)
    if call.actor.id is None:
        member = None
    else:
        member = await directory.resolve_actor(call.conn, call.tenant_id, call.actor.id)
    if member is None or member.id != a.staff_id:
        raise NotAllowed(
            "NOT_ASSIGNED", "only the staff member offered this work may answer the offer"
        )
    state = a.after(action)
    if action == rules.ACCEPT:
        if not member.active:
            raise NotAllowed("STAFF_INACTIVE", f"{member.name} is no longer active")
        trip.after(trip_rules.ACCEPT)  # not on an ended trip
    await rows.answer(call.conn, a.id, state, call.now, reason)
    answered = await find_assignment(call, a.id)
    if action == rules.ACCEPT:
        await _announce(call, AssignmentAccepted, answered, trip)
        await note_activity(call, trip, trip_rules.ACCEPT, by=member)
    else:
        await _announce(call, AssignmentDeclined, answered, trip, reason=reason)
    return answered


async def accept(call: UseCase, assignment_id: str) -> Assignment:
    return await _answer(call, assignment_id, rules.ACCEPT)


async def decline(call: UseCase, assignment_id: str, reason: str | None = None) -> Assignment:
    return await _answer(call, assignment_id, rules.DECLINE, reason)
