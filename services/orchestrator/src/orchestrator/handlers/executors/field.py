"""Field staff on their trips: status, answering offers, check-in and out, updates and
incidents (operations and managers may post updates and handle incidents too).

Each command reads the trip first (by id or reference), checks the actor may act on it
(field staff: on its crew), then acts on the trip's id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestrator.domain.commands import (
    AnswerArgs,
    ReportIncidentArgs,
    ResolveIncidentArgs,
    TripArgs,
    TripNoteArgs,
    TripUpdateArgs,
)
from orchestrator.domain.permissions import NOT_ASSIGNED, refuse
from orchestrator.handlers.executors.run import (
    Outcome,
    Run,
    field_of,
    incident_outcome,
    ref,
    trip_facts,
)

TRAVELLING = ("CONFIRMED", "ACTIVE")


async def _trip(run: Run, key: str) -> dict[str, Any]:
    return field_of(await run.get("/v1/trips/{trip}", trip=key), "trip")


async def _guarded_trip(run: Run, key: str) -> dict[str, Any]:
    trip = await _trip(run, key)
    run.guard(trip_facts(trip))
    return trip


async def _trip_incidents(run: Run, trip: dict[str, Any]) -> list[dict[str, Any]]:
    return await run.items("/v1/incidents", {"trip": trip["id"]})


async def check_trip_status(run: Run) -> Outcome:
    trip = await _guarded_trip(run, run.args(TripArgs).trip_ref)
    incidents = await _trip_incidents(run, trip)
    return Outcome(
        ref("TRIP", trip),
        {
            "reference": trip["reference"],
            "state": trip["state"],
            "tour_name": trip["tour_name"],
            "start_date": trip["start_date"],
            "end_date": trip["end_date"],
            "open_incidents": sum(1 for i in incidents if i["state"] != "RESOLVED"),
        },
    )


async def _offer_to_answer(run: Run, trip_ref: str | None, user_id: str, verb: str) -> str:
    """The assignment the staff member answers: on the trip named, or their only pending
    offer (several: they are asked which)."""
    if trip_ref is None:
        offers = await run.items("/v1/assignments", {"staff": user_id, "state": "OFFERED"})
        if not offers:
            raise refuse("NO_PENDING_OFFER", "You have no trip offer waiting for an answer.", 404)
        if len(offers) > 1:
            refs = sorted(o["trip_reference"] for o in offers)
            raise refuse(
                "WHICH_TRIP",
                f"You have offers for {', '.join(refs)}: please reply {verb} with the trip,"
                f" e.g. {verb} {refs[0]}.",
                409,
            )
        return str(offers[0]["id"])
    trip = await _trip(run, trip_ref)
    mine = [a for a in trip["assignments"] if a["staff_id"] == user_id]
    if not mine:
        raise refuse(NOT_ASSIGNED, f"Sorry, you have no offer on trip {trip['reference']}.", 403)
    offered = [a for a in mine if a["state"] == "OFFERED"]
    latest = max(offered or mine, key=lambda a: datetime.fromisoformat(a["offered_at"]))
    return str(latest["id"])


async def _answer_offer(run: Run, action: str, verb: str) -> Outcome:
    """ACCEPT or DECLINE (with its reason, if given) of the offer the staff member means."""
    a = run.args(AnswerArgs)
    user_id = run.actor.user_id
    if not user_id:
        raise refuse("NOT_STAFF", "Sorry, I couldn't find you in the staff directory.", 403)
    assignment_id = await run.pinned(
        "assignment", lambda: _offer_to_answer(run, a.trip_ref, user_id, verb)
    )
    assignment = field_of(
        await run.post(
            f"/v1/assignments/{{assignment}}/{action}",
            {"reason": a.reason} if action == "decline" else {},
            assignment=assignment_id,
        ),
        "assignment",
    )
    trip = await _trip(run, assignment["trip_id"])
    return Outcome(
        ref("TRIP", trip),
        {
            "trip_reference": trip["reference"],
            "tour_name": trip["tour_name"],
            "start_date": trip["start_date"],
            "end_date": trip["end_date"],
            "role": assignment["role"],
            "state": assignment["state"],
            "assignment_id": assignment["id"],
        },
    )


async def accept_assignment(run: Run) -> Outcome:
    return await _answer_offer(run, "accept", "ACCEPT")


async def decline_assignment(run: Run) -> Outcome:
    return await _answer_offer(run, "decline", "DECLINE")


async def _travellers(run: Run, departure_id: str) -> int:
    bookings = await run.items("/v1/bookings", {"departure_id": departure_id})
    return sum(int(b["pax"]) for b in bookings if b["state"] in TRAVELLING)


async def _move_trip(run: Run, action: str) -> dict[str, Any]:
    """The crew member's check-in or check-out (``action``) of the trip the args name."""
    a = run.args(TripNoteArgs)
    trip = await _guarded_trip(run, a.trip_ref)
    answer = await run.post(f"/v1/trips/{{trip}}/{action}", {"note": a.note}, trip=trip["id"])
    return field_of(answer, "trip")


def _trip_outcome(trip: dict[str, Any], **extra: Any) -> Outcome:
    result = {"trip_reference": trip["reference"], "tour_name": trip["tour_name"]}
    return Outcome(ref("TRIP", trip), {**result, **extra, "state": trip["state"]})


async def check_in(run: Run) -> Outcome:
    trip = await _move_trip(run, "check-in")
    return _trip_outcome(trip, travellers=await _travellers(run, trip["departure_id"]))


async def check_out(run: Run) -> Outcome:
    return _trip_outcome(await _move_trip(run, "check-out"))


async def post_trip_update(run: Run) -> Outcome:
    """News from the field: the core posts every one (``trip.update_posted``, which tells
    operations) and the first after the start moves the trip IN_PROGRESS."""
    a = run.args(TripUpdateArgs)
    trip = await _guarded_trip(run, a.trip_ref)
    trip = field_of(
        await run.post("/v1/trips/{trip}/progress", {"note": a.text}, trip=trip["id"]), "trip"
    )
    return _trip_outcome(trip, text=a.text)


async def report_incident(run: Run) -> Outcome:
    a = run.args(ReportIncidentArgs)
    trip = await _guarded_trip(run, a.trip_ref)
    body = {"severity": a.severity, "text": a.text}
    incident = field_of(
        await run.post("/v1/trips/{trip}/incidents", body, trip=trip["id"]), "incident"
    )
    return incident_outcome(incident)


async def _latest_open_incident(run: Run, trip: dict[str, Any]) -> str:
    open_ = [i for i in await _trip_incidents(run, trip) if i["state"] != "RESOLVED"]
    if not open_:
        raise refuse(
            "NO_OPEN_INCIDENT", f"There's no open incident on trip {trip['reference']}.", 409
        )
    return str(max(open_, key=lambda i: datetime.fromisoformat(i["reported_at"]))["id"])


async def resolve_incident(run: Run) -> Outcome:
    """Resolve the trip's latest open incident."""
    a = run.args(ResolveIncidentArgs)
    trip = await _guarded_trip(run, a.trip_ref)
    incident_id = await run.pinned("incident", lambda: _latest_open_incident(run, trip))
    incident = field_of(
        await run.post("/v1/incidents/{incident}/resolve", {"text": a.text}, incident=incident_id),
        "incident",
    )
    return incident_outcome(incident)
