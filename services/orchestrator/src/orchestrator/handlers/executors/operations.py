"""Operations: staffing trips, incidents from the office, broadcasts, closing departures."""

from __future__ import annotations

from typing import Any

from waops_contracts import stable_event_id
from waops_contracts.events import BroadcastRequested, ObjectRef

from orchestrator.domain.broadcast import broadcast_recipients
from orchestrator.domain.commands import (
    AssignStaffArgs,
    BroadcastArgs,
    DepartureArgs,
    UpdateIncidentArgs,
)
from orchestrator.domain.permissions import refuse
from orchestrator.handlers.executors.run import Outcome, Run, field_of, incident_outcome, ref


async def assign_staff(run: Run) -> Outcome:
    """Offer trip work to a field staff member; by departure, its trip is opened first."""
    a = run.args(AssignStaffArgs)
    trip, step = a.trip, None
    if a.departure_id is not None:
        opened = await run.post(
            "/v1/departures/{departure}/trip", {}, step="trip", departure=a.departure_id
        )
        trip, step = field_of(opened, "trip")["id"], "assign"
    assert trip is not None  # the arguments name a trip or a departure
    body = {
        "staff_id": a.staff_id,
        "role": a.role,
        "compensation_amount": str(a.compensation_amount),
        "currency": a.currency,
    }
    assignment = field_of(
        await run.post("/v1/trips/{trip}/assignments", body, step=step, trip=trip), "assignment"
    )
    return Outcome(
        ref("TRIP", {"id": assignment["trip_id"], "reference": assignment["trip_reference"]}),
        {
            "trip_reference": assignment["trip_reference"],
            "assignment_id": assignment["id"],
            "staff_id": assignment["staff_id"],
            "staff_name": assignment["staff_name"],
            "role": assignment["role"],
            "state": assignment["state"],
            "start_date": assignment["start_date"],
            "compensation_amount": assignment["compensation_amount"],
            "currency": assignment["currency"],
        },
    )


async def update_incident(run: Run) -> Outcome:
    a = run.args(UpdateIncidentArgs)
    incident = field_of(
        await run.post(
            "/v1/incidents/{incident}/updates",
            {"text": a.text, "state": a.state},
            incident=a.incident_id,
        ),
        "incident",
    )
    return incident_outcome(incident)


async def broadcast(run: Run) -> Outcome:
    """Tell everyone holding seats on a departure (read from the core now); the notifier
    sends one message each from ``broadcast.requested``."""
    a = run.args(BroadcastArgs)
    departure = field_of(
        await run.get("/v1/departures/{departure}", departure=a.departure_id), "departure"
    )
    recipients = broadcast_recipients(
        await run.items("/v1/bookings", {"departure_id": departure["id"]})
    )
    if not recipients:
        raise refuse("NO_RECIPIENTS", "Nobody holds seats on that departure to tell.", 409)
    event = BroadcastRequested(
        broadcast_id=run.command_id,
        departure_id=departure["id"],
        tour_code=departure["tour_code"],
        tour_name=departure["tour_name"],
        start_date=departure["start_date"],
        text=a.text,
        by={"user_id": run.actor.user_id, "name": run.actor.name},
        recipients=recipients,
    )
    subject = f"DEPARTURE/{departure['id']}"
    await run.ctx.publish(
        event,
        subject=subject,
        partition_key=subject,
        event_id=stable_event_id("broadcast.requested", run.command_id),
    )
    return Outcome(
        departure_ref(departure),
        {
            "broadcast_id": run.command_id,
            "departure_id": departure["id"],
            "tour_code": departure["tour_code"],
            "tour_name": departure["tour_name"],
            "start_date": departure["start_date"],
            "recipients": len(recipients),
        },
    )


def departure_ref(departure: dict[str, Any]) -> ObjectRef:
    """A departure named by its tour and start date (``EBC 2025-03-10``)."""
    reference = f"{departure['tour_code']} {departure['start_date']}"
    return ObjectRef(type="DEPARTURE", id=str(departure["id"]), reference=reference)


async def close_departure(run: Run) -> Outcome:
    a = run.args(DepartureArgs)
    departure = field_of(
        await run.post("/v1/departures/{departure}/close", {}, departure=a.departure_id),
        "departure",
    )
    return Outcome(
        departure_ref(departure),
        {
            "departure_id": departure["id"],
            "tour_code": departure["tour_code"],
            "tour_name": departure["tour_name"],
            "start_date": departure["start_date"],
            "status": departure["status"],
        },
    )
