"""Incidents on real PostgreSQL and RabbitMQ: reported by the crew or the office, updated
with author and time, resolved; each step announced with the affected travellers."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from field_support import (
    DRIVER,
    GUIDE,
    MANAGER,
    OPS,
    PORTER,
    SALES,
    accepted,
    confirmed_booking,
    departure,
    open_trip,
    staffed_trip,
    trip_action,
)
from inventory_support import event_of

pytestmark = pytest.mark.integration

REPORTED = "waops.incident.reported.v1"
UPDATED = "waops.incident.updated.v1"
RESOLVED = "waops.incident.resolved.v1"


async def report(
    core: Any, trip: str, actor: str | None, severity: str = "HIGH", text: str = "Landslide"
) -> tuple[int, dict[str, Any]]:
    body = {"severity": severity, "text": text}
    return await core.send("POST", f"/v1/trips/{trip}/incidents", body, actor=actor)


async def update(
    core: Any, incident: str, actor: str | None, text: str, state: str | None = None
) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"text": text} | ({"state": state} if state else {})
    return await core.send("POST", f"/v1/incidents/{incident}/updates", body, actor=actor)


async def test_an_incident_from_the_field_reaches_the_travellers_and_moves_the_trip(
    core: Any,
) -> None:
    dep = await departure(core)
    asha = await confirmed_booking(core, dep["id"], 2, "+9779841100001")
    trip = await open_trip(core, dep["id"])
    await accepted(core, trip["id"], GUIDE, "LEAD_GUIDE")
    await trip_action(core, trip["id"], "check-in", GUIDE)
    async with core.capture("waops.incident.#", "waops.trip.in_progress.v1") as captured:
        status, body = await report(
            core,
            trip["reference"].lower(),
            GUIDE,
            "critical",
            "Landslide above the lake road; waiting",
        )
        assert status == 201, body
        incident = body["incident"]
        assert (incident["state"], incident["severity"], incident["trip_reference"]) == (
            "OPEN",
            "CRITICAL",
            trip["reference"],
        )
        assert incident["reported_by"]["phone"] == GUIDE
        assert (incident["updates"], incident["resolved_at"]) == ([], None)
        event = await event_of(captured, REPORTED, incident_id=incident["id"])
        assert event.data["author"]["name"] == "Pemba Sherpa"
        assert event.data["text"] == "Landslide above the lake road; waiting"
        assert [(t["reference"], t["customer_phone"]) for t in event.data["travellers"]] == [
            (asha["reference"], "+9779841100001")
        ]
        await event_of(captured, "waops.trip.in_progress.v1", trip_id=trip["id"])
        assert (await core.get(f"/v1/trips/{trip['id']}"))[1]["trip"]["state"] == "IN_PROGRESS"

        status, body = await update(core, incident["id"], OPS, "Jeep on its way")
        assert (status, body["incident"]["state"]) == (201, "OPEN")
        await event_of(captured, UPDATED, incident_id=incident["id"], text="Jeep on its way")
        status, body = await update(core, incident["id"], GUIDE, "Moving", "in_progress")
        assert (status, body["incident"]["state"]) == (201, "IN_PROGRESS")
        status, body = await update(core, incident["id"], GUIDE, "Back to open?", "OPEN")
        assert (status, body["error"]["code"]) == (409, "INCIDENT_INVALID_TRANSITION")
        status, body = await core.send(
            "POST", f"/v1/incidents/{incident['id']}/resolve", {"text": "Road clear"}, actor=MANAGER
        )
        assert (status, body["incident"]["state"]) == (200, "RESOLVED")
        resolved = await event_of(captured, RESOLVED, incident_id=incident["id"])
        assert resolved.data["resolved_at"] == body["incident"]["resolved_at"] is not None
        assert resolved.data["author"]["role"] == "MANAGER"

    status, body = await core.get(f"/v1/incidents/{incident['id']}")
    assert status == 200
    got = body["incident"]
    assert [
        (u["author"]["phone"], u["text"], u["state_from"], u["state_to"]) for u in got["updates"]
    ] == [
        (OPS, "Jeep on its way", "OPEN", "OPEN"),
        (GUIDE, "Moving", "OPEN", "IN_PROGRESS"),
        (MANAGER, "Road clear", "IN_PROGRESS", "RESOLVED"),
    ]
    assert all(u["created_at"] for u in got["updates"])
    assert got["resolved_at"] >= got["reported_at"]
    for verb, payload in (("updates", {"text": "again"}), ("resolve", {})):
        status, body = await core.send(
            "POST", f"/v1/incidents/{incident['id']}/{verb}", payload, actor=OPS
        )
        assert (status, body["error"]["code"]) == (409, "INCIDENT_INVALID_TRANSITION")


async def test_only_the_crew_and_the_office_may_report_or_update(core: Any) -> None:
    trip = await staffed_trip(core)
    for actor, code, status_code in (
        (None, "ACTOR_REQUIRED", 400),
        ("+9779841234567", "NOT_STAFF", 403),
        (SALES, "NOT_ASSIGNED", 403),
        (PORTER, "NOT_ASSIGNED", 403),  # field staff, but not on this trip
    ):
        status, body = await report(core, trip["id"], actor)
        assert (status, body["error"]["code"]) == (status_code, code), actor
    status, body = await report(core, trip["id"], OPS, "low", "Permit office closed")
    assert status == 201, body
    incident = body["incident"]["id"]
    status, body = await update(core, incident, DRIVER, "Noted")
    assert (status, body["error"]["code"]) == (403, "NOT_ASSIGNED")
    status, body = await update(core, incident, GUIDE, "Will go tomorrow")
    assert status == 201
    assert await core.scalar("SELECT count(*) FROM incidents") == 1
    # Before the start, an incident does not move the trip.
    assert (await core.get(f"/v1/trips/{trip['id']}"))[1]["trip"]["state"] == "STAFF_ASSIGNED"


async def test_no_incident_on_a_closed_trip(core: Any) -> None:
    trip = await staffed_trip(core)
    await trip_action(core, trip["id"], "check-in", GUIDE)
    await trip_action(core, trip["id"], "check-out", GUIDE)
    status, _ = await report(core, trip["id"], GUIDE, "LOW", "Lost a jacket")  # after the end
    assert status == 201
    await trip_action(core, trip["id"], "close", OPS)
    status, body = await report(core, trip["id"], OPS)
    assert (status, body["error"]["code"]) == (409, "TRIP_INVALID_TRANSITION")


@pytest.mark.parametrize(
    "body", [{"severity": "BAD", "text": "x"}, {"severity": "LOW", "text": ""}, {"text": "x"}]
)
async def test_bad_reports_are_400(core: Any, body: dict[str, Any]) -> None:
    trip = await staffed_trip(core)
    status, answer = await core.send("POST", f"/v1/trips/{trip['id']}/incidents", body, actor=OPS)
    assert (status, answer["error"]["code"]) == (400, "INVALID_REQUEST")


async def test_incidents_are_listed_by_trip_and_state(core: Any) -> None:
    trip, other = await staffed_trip(core), await staffed_trip(core, "EBC")
    ids = [
        (await report(core, trip["id"], OPS, text=f"n{i}"))[1]["incident"]["id"] for i in range(3)
    ]
    await report(core, other["id"], OPS)
    await core.send("POST", f"/v1/incidents/{ids[1]}/resolve", {}, actor=OPS)
    status, body = await core.get(f"/v1/incidents?trip={trip['reference'].lower()}&limit=2")
    assert status == 200
    seen = [i["id"] for i in body["items"]]
    status, body = await core.get(f"/v1/incidents?trip={trip['id']}&cursor={body['next_cursor']}")
    assert seen + [i["id"] for i in body["items"]] == ids
    status, body = await core.get(f"/v1/incidents?trip={trip['id']}&state=RESOLVED")
    assert [i["id"] for i in body["items"]] == [ids[1]]
    status, body = await core.get("/v1/incidents?trip=XYZ-990101")
    assert (status, body["items"]) == (200, [])
    assert (await core.get(f"/v1/incidents/{uuid.uuid4()}"))[0] == 404
    assert (await core.get("/v1/incidents?state=CLOSED"))[0] == 400
