"""A departure's trip: opening it, checking in and out, progress, closing.

Who may do what (docs/adr/0017): the accepted lead guide checks in (the trip STARTS and the
departure's bookings become ACTIVE) and checks out (the trip ENDS, the bookings are COMPLETED
and every accepted crew member gets a payroll entry); any accepted crew member, operations
or a manager may report progress; operations or a manager close an ended trip.
"""

from __future__ import annotations

import uuid
from typing import Any

from waops_contracts.events import (
    CrewMember,
    StaffContact,
    Traveller,
    TripClosed,
    TripEnded,
    TripInProgress,
    TripStaffAssigned,
    TripStarted,
    TripUpdatePosted,
)
from waops_contracts.events.trips import TripEvent
from waops_contracts.references import format_trip_reference

from core.adapters import assignments as assignment_rows
from core.adapters import trips as trip_rows
from core.adapters.directory import StaffMember, resolve_actor
from core.domain import trips as rules
from core.domain.assignments import ACCEPTED, LEAD_GUIDE, Assignment
from core.domain.directory import OFFICE_ROLES, ActorRequired, NotAllowed, require_office
from core.domain.errors import Invalid, NotFound
from core.domain.trips import Trip
from core.handlers import bookings, payroll
from core.handlers.context import UseCase

_EVENTS: dict[str, type[TripEvent]] = {
    rules.STAFF_ASSIGNED: TripStaffAssigned,
    rules.STARTED: TripStarted,
    rules.IN_PROGRESS: TripInProgress,
    rules.ENDED: TripEnded,
    rules.CLOSED: TripClosed,
}


async def open_trip(call: UseCase, departure_id: str) -> tuple[Trip, bool]:
    """The departure's trip, created SCHEDULED if it has none yet (a retry finds it)."""
    departure = await trip_rows.departure_of(call.conn, call.tenant_id, departure_id)
    if departure is None:
        raise NotFound("DEPARTURE_NOT_FOUND", "no such departure", id=departure_id)
    reference = format_trip_reference(departure.tour_code, departure.start_date)
    created = await trip_rows.insert_trip(
        call.conn, call.tenant_id, str(uuid.uuid4()), departure.id, reference
    )
    return await trip_rows.trip_of_departure(call.conn, call.tenant_id, departure.id), created


async def find_trip(call: UseCase, key: str, *, lock: bool = False) -> Trip:
    trip = await trip_rows.find_trip(call.conn, call.tenant_id, key, lock=lock)
    if trip is None:
        raise NotFound("TRIP_NOT_FOUND", "no such trip", id=key)
    return trip


async def acting_staff(call: UseCase) -> StaffMember:
    """The directory member behind X-Waops-Actor-Id; customers and strangers are refused."""
    if call.actor.id is None:
        raise ActorRequired("ACTOR_REQUIRED", "say who acts: the X-Waops-Actor-Id header")
    member = await resolve_actor(call.conn, call.tenant_id, call.actor.id)
    if member is None:
        raise NotAllowed("NOT_STAFF", "only staff in the directory may do this")
    if not member.active:
        raise NotAllowed("STAFF_INACTIVE", f"{member.name} is no longer active")
    return member


def crew_assignment(crew: list[Assignment], member: StaffMember) -> Assignment:
    """The member's accepted assignment on this trip, or ``NOT_ASSIGNED``."""
    for a in crew:
        if a.staff_id == member.id and a.state == ACCEPTED:
            return a
    raise NotAllowed("NOT_ASSIGNED", f"{member.name} is not on this trip's accepted crew")


def _contact(member: StaffMember | None) -> StaffContact | None:
    if member is None:
        return None
    return StaffContact(user_id=member.id, name=member.name, phone=member.phone, kind=member.kind)


async def announce(
    call: UseCase,
    trip: Trip,
    state: str,
    *,
    by: StaffMember | None = None,
    note: str | None = None,
    travellers: list[dict[str, Any]] | None = None,
    event: type[TripEvent] | None = None,
) -> None:
    """Publish the trip.* event for ``state`` (or ``event``) with its crew, lead guide and
    travellers."""
    crew = await assignment_rows.assignments_of_trip(call.conn, trip.id)
    accepted = [a for a in crew if a.state == ACCEPTED]
    lead = next((a for a in accepted if a.role == LEAD_GUIDE), None)
    if travellers is None:
        travellers = await bookings.travellers_of_departure(
            call.conn, call.tenant_id, trip.departure.id
        )
    d = trip.departure
    await call.emit(
        (event or _EVENTS[state])(
            trip_id=trip.id,
            reference=trip.reference,
            state=state,
            departure_id=d.id,
            tour_code=d.tour_code,
            tour_name=d.tour_name,
            start_date=d.start_date.isoformat(),
            end_date=d.end_date.isoformat(),
            lead_guide=StaffContact(
                user_id=lead.staff_id, name=lead.staff_name, phone=lead.staff_phone, kind="guide"
            )
            if lead
            else None,
            crew=[
                CrewMember(user_id=a.staff_id, name=a.staff_name, phone=a.staff_phone, role=a.role)
                for a in accepted
            ],
            travellers=[Traveller.model_validate(t) for t in travellers],
            by=_contact(by),
            note=note,
            occurred_at=call.now.isoformat(),
        ),
        subject=f"TRIP/{trip.id}",
    )


async def _move(
    call: UseCase,
    trip: Trip,
    action: str,
    *,
    by: StaffMember | None = None,
    note: str | None = None,
    travellers: list[dict[str, Any]] | None = None,
) -> Trip:
    state = trip.after(action)
    if state == trip.state:
        return trip
    await trip_rows.move_trip(
        call.conn, trip.id, state, call.now, by=by.id if by else None, note=note
    )
    await announce(call, trip, state, by=by, note=note, travellers=travellers)
    return await find_trip(call, trip.id)


async def _lead_guide(call: UseCase, trip: Trip, member: StaffMember) -> None:
    crew = await assignment_rows.assignments_of_trip(call.conn, trip.id)
    if crew_assignment(crew, member).role != LEAD_GUIDE:
        raise NotAllowed(
            "LEAD_GUIDE_ONLY", "only the trip's lead guide checks the group in and out"
        )


async def check_in(call: UseCase, key: str, note: str | None) -> Trip:
    trip = await find_trip(call, key, lock=True)
    member = await acting_staff(call)
    await _lead_guide(call, trip, member)
    trip.after(rules.CHECK_IN)  # refuse before touching the bookings
    await bookings.activate_departure_bookings(call, trip.departure.id)
    return await _move(call, trip, rules.CHECK_IN, by=member, note=note)


async def check_out(call: UseCase, key: str, note: str | None) -> Trip:
    trip = await find_trip(call, key, lock=True)
    member = await acting_staff(call)
    await _lead_guide(call, trip, member)
    trip.after(rules.CHECK_OUT)
    # Who travelled, read before their bookings leave ACTIVE for COMPLETED.
    travellers = await bookings.travellers_of_departure(
        call.conn, call.tenant_id, trip.departure.id
    )
    await bookings.complete_departure_bookings(call, trip.departure.id)
    ended = await _move(call, trip, rules.CHECK_OUT, by=member, note=note, travellers=travellers)
    await payroll.pay_crew(call, ended)
    return ended


async def report_progress(call: UseCase, key: str, note: str | None) -> Trip:
    """The first report after the start moves the trip IN_PROGRESS; every report with a note
    is posted (``trip.update_posted``) so operations hear each one."""
    trip = await find_trip(call, key, lock=True)
    member = await acting_staff(call)
    if member.role not in OFFICE_ROLES:
        crew_assignment(await assignment_rows.assignments_of_trip(call.conn, trip.id), member)
    if trip.state == rules.IN_PROGRESS and not note:
        raise Invalid("NOTE_REQUIRED", "the trip is already under way: say what is new")
    moved = await _move(call, trip, rules.PROGRESS, by=member, note=note)
    if note:
        await announce(call, moved, moved.state, by=member, note=note, event=TripUpdatePosted)
    return moved


async def close(call: UseCase, key: str, note: str | None) -> Trip:
    trip = await find_trip(call, key, lock=True)
    member = await acting_staff(call)
    require_office(member.role, member.active, "close a trip")
    return await _move(call, trip, rules.CLOSE, by=member, note=note)


async def note_activity(call: UseCase, trip: Trip, action: str, by: StaffMember) -> Trip:
    """An assignment accepted or an incident reported: the trip's own transition, if any
    (SCHEDULED → STAFF_ASSIGNED, STARTED → IN_PROGRESS); the caller holds the trip lock."""
    return await _move(call, trip, action, by=by)
