"""Field staff commands from conversations (ACCEPT, CHECKIN, ISSUE, UPDATE, RESOLVED,
CHECKOUT, STATUS), executed against the REAL core, with the object rules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from waops_testing.poll import eventually
from waops_testing.services import service_db

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from orchestrator_stack import (
    DRIVER,
    GUIDE,
    OPERATIONS,
    PORTER,
    SALES,
    Stack,
    a_customer,
    rejected,
    succeeded,
)

pytestmark = pytest.mark.integration


async def test_accept_without_a_reference_answers_the_only_pending_offer(stack: Stack) -> None:
    rejected(await stack.ask("AcceptAssignment", GUIDE, {}), "NO_PENDING_OFFER")
    trip = await stack.trip("PKR")
    await stack.offer(trip["id"], GUIDE)
    done = succeeded(await stack.ask("AcceptAssignment", GUIDE, {}))
    assert done["object"] == {"type": "TRIP", "id": trip["id"], "reference": trip["reference"]}
    assert done["result"] == {
        "trip_reference": trip["reference"],
        "tour_name": "Pokhara Sightseeing",
        "start_date": trip["start_date"],
        "end_date": trip["end_date"],
        "role": "LEAD_GUIDE",
        "state": "ACCEPTED",
        "assignment_id": done["result"]["assignment_id"],
    }
    assert (await stack.core_get(f"/v1/trips/{trip['id']}"))["trip"]["state"] == "STAFF_ASSIGNED"

    # Two offers waiting: the guide is asked which; with the reference (typed loosely) it works.
    first, second = await stack.trip("PKR"), await stack.trip("PKR")
    await stack.offer(first["id"], GUIDE)
    await stack.offer(second["id"], GUIDE)
    reason = rejected(await stack.ask("DeclineAssignment", GUIDE, {}), "WHICH_TRIP")
    assert first["reference"] in reason and second["reference"] in reason and "DECLINE" in reason
    typed = second["reference"].replace("-", " ").lower()
    declined = succeeded(
        await stack.ask("DeclineAssignment", GUIDE, {"trip_ref": typed, "reason": "family"})
    )
    assert (declined["result"]["trip_reference"], declined["result"]["state"]) == (
        second["reference"],
        "DECLINED",
    )
    answered = await stack.core_get(f"/v1/assignments/{declined['result']['assignment_id']}")
    assert answered["assignment"]["decline_reason"] == "family"  # the core keeps why
    # Nobody offered that trip: refused before the core is asked.
    rejected(
        await stack.ask("AcceptAssignment", DRIVER, {"trip_ref": first["reference"]}),
        "NOT_ASSIGNED",
    )


async def test_check_in_is_for_the_trip_s_crew_only(stack: Stack) -> None:
    trip = await stack.trip("PKR")
    await stack.crew(trip["id"], GUIDE)
    await stack.crew(trip["id"], DRIVER, "DRIVER")
    await stack.paid(trip["departure_id"], a_customer(), pax=2)
    await stack.paid(trip["departure_id"], a_customer(), pax=3)
    await stack.booking(trip["departure_id"], a_customer(), pax=1)  # unpaid: not travelling
    args = {"trip_ref": trip["reference"], "note": "All here at the lakeside"}

    # A customer may not; a porter not on the crew may not (the orchestrator's own check);
    # the driver is on the crew but the core wants the lead guide.
    rejected(await stack.ask("CheckIn", a_customer(), args), "FORBIDDEN_ROLE")
    assert "not on the crew" in rejected(await stack.ask("CheckIn", PORTER, args), "NOT_ASSIGNED")
    assert rejected(await stack.ask("CheckIn", DRIVER, args), "LEAD_GUIDE_ONLY") == (
        "Sorry, only the trip's lead guide can check the group in and out."
    )

    done = succeeded(await stack.ask("CheckIn", GUIDE, args))
    assert done["result"] == {
        "trip_reference": trip["reference"],
        "tour_name": "Pokhara Sightseeing",
        "travellers": 5,
        "state": "STARTED",
    }
    again = await stack.ask("CheckIn", GUIDE, args)  # a second CHECKIN is the core's to refuse
    rejected(again, "TRIP_INVALID_TRANSITION")


async def test_incidents_updates_and_check_out_on_a_running_trip(stack: Stack) -> None:
    trip = await stack.trip("PKR")
    await stack.crew(trip["id"], GUIDE)
    await stack.crew(trip["id"], PORTER, "PORTER")
    await stack.paid(trip["departure_id"], a_customer())
    ref = trip["reference"]
    succeeded(await stack.ask("CheckIn", GUIDE, {"trip_ref": ref}))

    # A guide reporting on another guide's trip is refused, and nothing reaches the core.
    other = await stack.trip("PKR")
    await stack.crew(other["id"], DRIVER, "DRIVER")
    issue = {"trip_ref": other["reference"], "text": "Flat tyre", "severity": "LOW"}
    rejected(await stack.ask("ReportIncident", GUIDE, issue), "NOT_ASSIGNED")
    assert (await stack.core_get(f"/v1/incidents?trip={other['id']}"))["items"] == []

    update = succeeded(
        await stack.ask("PostTripUpdate", GUIDE, {"trip_ref": ref, "text": "Day 1 done"})
    )
    assert update["result"] == {
        "trip_reference": ref,
        "tour_name": trip["tour_name"],
        "text": "Day 1 done",
        "state": "IN_PROGRESS",
    }
    # Later news is posted by the core too (trip.update_posted), by any of the crew.
    later = succeeded(await stack.ask("PostTripUpdate", PORTER, {"trip_ref": ref, "text": "Day 2"}))
    assert (later["result"]["state"], later["result"]["text"]) == ("IN_PROGRESS", "Day 2")

    args = {"trip_ref": ref, "text": "Ram twisted his ankle", "severity": "high"}
    reported = succeeded(await stack.ask("ReportIncident", GUIDE, args))
    incident_id = reported["result"]["incident_id"]
    assert reported["object"] == {"type": "INCIDENT", "id": incident_id, "reference": None}
    assert reported["result"] == {
        "incident_id": incident_id,
        "trip_reference": ref,
        "severity": "HIGH",
        "state": "OPEN",
    }
    second = succeeded(
        await stack.ask("ReportIncident", OPERATIONS, {"trip_ref": ref, "text": "Road closed"})
    )
    assert second["result"]["severity"] == "MEDIUM"

    status = succeeded(await stack.ask("CheckTripStatus", PORTER, {"trip_ref": ref}))
    assert status["result"] == {
        "reference": ref,
        "state": "IN_PROGRESS",
        "tour_name": "Pokhara Sightseeing",
        "start_date": trip["start_date"],
        "end_date": trip["end_date"],
        "open_incidents": 2,
    }
    rejected(await stack.ask("CheckTripStatus", DRIVER, {"trip_ref": ref}), "NOT_ASSIGNED")
    succeeded(await stack.ask("CheckTripStatus", SALES, {"trip_ref": ref}))

    # RESOLVED: the latest open incident, then the one before, then none is left.
    first_resolved = succeeded(await stack.ask("ResolveIncident", GUIDE, {"trip_ref": ref}))
    assert first_resolved["result"]["incident_id"] == second["result"]["incident_id"]
    resolved = succeeded(
        await stack.ask("ResolveIncident", GUIDE, {"trip_ref": ref, "text": "Ankle strapped"})
    )
    assert resolved["result"] == {
        "incident_id": incident_id,
        "trip_reference": ref,
        "severity": "HIGH",
        "state": "RESOLVED",
    }
    rejected(await stack.ask("ResolveIncident", GUIDE, {"trip_ref": ref}), "NO_OPEN_INCIDENT")

    out = succeeded(await stack.ask("CheckOut", GUIDE, {"trip_ref": ref, "note": "All safe"}))
    assert out["result"] == {
        "trip_reference": ref,
        "tour_name": "Pokhara Sightseeing",
        "state": "ENDED",
    }


async def test_a_redelivered_resolve_acts_on_the_incident_it_chose_first(stack: Stack) -> None:
    """The core resolved the incident but the orchestrator's transaction was lost: the
    redelivered command resolves the same incident again (the core replays), not the next."""
    trip = await stack.trip("PKR")
    await stack.crew(trip["id"], GUIDE)
    ref = trip["reference"]
    older = succeeded(await stack.ask("ReportIncident", GUIDE, {"trip_ref": ref, "text": "A"}))
    newer = succeeded(await stack.ask("ReportIncident", GUIDE, {"trip_ref": ref, "text": "B"}))
    env = await stack.ask("ResolveIncident", GUIDE, {"trip_ref": ref})
    assert succeeded(env)["result"]["incident_id"] == newer["result"]["incident_id"]

    command_id = env.data["command_id"]
    async with service_db(stack.iso, "orchestrator") as db:
        await db.execute("DELETE FROM commands WHERE command_id = $1", command_id)  # as if lost

        async def decided_again() -> bool:
            status = await db.fetchval(
                "SELECT status FROM commands WHERE command_id = $1", command_id
            )
            return bool(status == "succeeded")

        await stack.send_command("ResolveIncident", GUIDE, {"trip_ref": ref}, command_id=command_id)
        await eventually(decided_again, what="the redelivered resolve decided")
    incidents = (await stack.core_get(f"/v1/incidents?trip={trip['id']}"))["items"]
    assert {i["id"]: i["state"] for i in incidents} == {
        older["result"]["incident_id"]: "OPEN",
        newer["result"]["incident_id"]: "RESOLVED",
    }
