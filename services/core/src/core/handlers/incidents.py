"""Incidents on a trip: reported, worked on and resolved by the crew or the office.

Who may: the trip's accepted crew, operations and managers (anyone else is ``NOT_ASSIGNED``).
Each report, update and resolution is announced with the affected travellers, so the
notifier can reach them and operations without calling back. An incident reported or
updated on a STARTED trip is the activity that moves it IN_PROGRESS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from waops_contracts.events import (
    IncidentAuthor,
    IncidentReported,
    IncidentResolved,
    IncidentUpdated,
    Traveller,
)
from waops_contracts.events.incidents import IncidentEvent

from core.adapters import assignments as assignment_rows
from core.adapters import incidents as rows
from core.adapters.directory import StaffMember
from core.domain import incidents as rules
from core.domain import trips as trip_rules
from core.domain.directory import OFFICE_ROLES
from core.domain.errors import NotFound
from core.domain.incidents import Incident, IncidentUpdate
from core.domain.trips import Trip
from core.handlers import bookings
from core.handlers.context import UseCase
from core.handlers.trips import acting_staff, crew_assignment, find_trip, note_activity


@dataclass(frozen=True)
class IncidentRecord:
    """An incident with its updates, oldest first."""

    incident: Incident
    updates: list[IncidentUpdate]


async def _may_act_on(call: UseCase, trip: Trip) -> StaffMember:
    member = await acting_staff(call)
    if member.role not in OFFICE_ROLES:
        crew_assignment(await assignment_rows.assignments_of_trip(call.conn, trip.id), member)
    return member


async def _announce(
    call: UseCase,
    kind: type[IncidentEvent],
    incident: Incident,
    trip: Trip,
    body: str,
    author: StaffMember,
) -> None:
    travellers = await bookings.travellers_of_departure(
        call.conn, call.tenant_id, trip.departure.id
    )
    await call.emit(
        kind(
            incident_id=incident.id,
            trip_id=trip.id,
            trip_reference=trip.reference,
            tour_code=trip.departure.tour_code,
            tour_name=trip.departure.tour_name,
            severity=incident.severity,
            state=incident.state,
            text=body,
            author=IncidentAuthor(
                user_id=author.id, name=author.name, phone=author.phone, role=author.role
            ),
            reported_at=incident.reported_at.isoformat(),
            resolved_at=incident.resolved_at.isoformat() if incident.resolved_at else None,
            travellers=[Traveller.model_validate(t) for t in travellers],
        ),
        subject=f"INCIDENT/{incident.id}",
        partition_key=f"TRIP/{trip.id}",
    )


async def find_incident(call: UseCase, incident_id: str, *, lock: bool = False) -> Incident:
    found = await rows.find_incident(call.conn, call.tenant_id, incident_id, lock=lock)
    if found is None:
        raise NotFound("INCIDENT_NOT_FOUND", "no such incident", id=incident_id)
    return found


async def incident_view(call: UseCase, incident_id: str) -> IncidentRecord:
    incident = await find_incident(call, incident_id)
    return IncidentRecord(incident, await rows.updates_of(call.conn, incident.id))


async def report(call: UseCase, trip_key: str, severity: str, body: str) -> IncidentRecord:
    trip = await find_trip(call, trip_key, lock=True)
    author = await _may_act_on(call, trip)
    trip.after(trip_rules.INCIDENT)  # none on a closed trip
    incident_id = str(uuid.uuid4())
    await rows.insert_incident(
        call.conn,
        incident_id=incident_id,
        tenant_id=call.tenant_id,
        trip_id=trip.id,
        severity=severity,
        body=body,
        author_id=author.id,
        now=call.now,
    )
    incident = await find_incident(call, incident_id)
    await _announce(call, IncidentReported, incident, trip, body, author)
    await note_activity(call, trip, trip_rules.INCIDENT, by=author)
    return await incident_view(call, incident_id)


async def add_update(
    call: UseCase, incident_id: str, body: str, target: str | None
) -> IncidentRecord:
    first = await find_incident(call, incident_id)
    trip = await find_trip(call, first.trip_id, lock=True)  # trip first, then the incident
    incident = await find_incident(call, incident_id, lock=True)
    author = await _may_act_on(call, trip)
    state = incident.after_update(target)
    await rows.add_update(
        call.conn,
        update_id=str(uuid.uuid4()),
        incident_id=incident.id,
        author_id=author.id,
        body=body,
        state_from=incident.state,
        state_to=state,
        now=call.now,
    )
    changed = await find_incident(call, incident.id)
    kind = IncidentResolved if state == rules.RESOLVED else IncidentUpdated
    await _announce(call, kind, changed, trip, body, author)
    if trip.state == trip_rules.STARTED:
        await note_activity(call, trip, trip_rules.INCIDENT, by=author)
    return await incident_view(call, incident.id)


async def resolve(call: UseCase, incident_id: str, body: str | None) -> IncidentRecord:
    return await add_update(call, incident_id, body or "Resolved.", rules.RESOLVED)
