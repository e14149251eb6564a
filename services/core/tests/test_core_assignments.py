"""Staff assignments on real PostgreSQL and RabbitMQ: who may offer, who may answer, the
kind a role needs, and no staff member booked on two overlapping departures."""

from __future__ import annotations

import asyncio
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
    add_staff,
    new_trip,
    offer,
    offered,
    staff_id,
    staffed_trip,
    trip_action,
)
from inventory_support import event_of

pytestmark = pytest.mark.integration

OFFERED = "waops.assignment.offered.v1"
ACCEPTED = "waops.assignment.accepted.v1"
DECLINED = "waops.assignment.declined.v1"


async def answer(core: Any, assignment: str, verb: str, actor: str | None) -> tuple[int, Any]:
    return await core.send("POST", f"/v1/assignments/{assignment}/{verb}", actor=actor)


async def test_an_offer_is_announced_with_everything_the_guide_needs(core: Any) -> None:
    trip = await new_trip(core, "EBC")
    pemba = await staff_id(core, GUIDE)
    async with core.capture("waops.assignment.#") as captured:
        status, body = await offer(
            core, trip["reference"].lower(), pemba, "LEAD_GUIDE", "420.5", currency="npr"
        )
        assert status == 201, body
        a = body["assignment"]
        assert (a["state"], a["role"], a["compensation_amount"], a["currency"]) == (
            "OFFERED",
            "LEAD_GUIDE",
            "420.50",
            "NPR",
        )
        assert (a["staff_id"], a["staff_phone"], a["trip_reference"]) == (
            pemba,
            GUIDE,
            trip["reference"],
        )
        event = await event_of(captured, OFFERED, assignment_id=a["id"])
        assert event.data["staff"] == {
            "user_id": pemba,
            "name": "Pemba Sherpa",
            "phone": GUIDE,
            "kind": "guide",
        }
        assert (event.data["trip_reference"], event.data["tour_name"]) == (
            trip["reference"],
            "Everest Base Camp Trek",
        )
        assert (event.data["start_date"], event.data["end_date"]) == (
            trip["start_date"],
            trip["end_date"],
        )
        assert (event.data["compensation_amount"], event.data["currency"]) == ("420.50", "NPR")
    status, body = await core.get(f"/v1/assignments/{a['id']}")
    assert (status, body["assignment"]) == (200, a)
    assert (await core.get(f"/v1/assignments/{uuid.uuid4()}"))[0] == 404


async def test_only_the_staff_member_offered_may_answer(core: Any) -> None:
    trip = await new_trip(core)
    assignment = await offered(core, trip["id"], GUIDE, "LEAD_GUIDE")
    other_guide = await add_staff(core, "Ang Dorje", "+9779815550202")
    for actor in (None, OPS, MANAGER, DRIVER, other_guide, "+9779841234567", "garbage"):
        for verb in ("accept", "decline"):
            status, body = await answer(core, assignment, verb, actor)
            assert (status, body["error"]["code"]) == (403, "NOT_ASSIGNED"), (actor, verb)
    assert (await core.get(f"/v1/trips/{trip['id']}"))[1]["trip"]["state"] == "SCHEDULED"
    async with core.capture(ACCEPTED, "waops.trip.staff_assigned.v1") as captured:
        status, body = await answer(core, assignment, "accept", "00977 980-000-0004")
        assert (status, body["assignment"]["state"]) == (200, "ACCEPTED"), body
        assert body["assignment"]["answered_at"] is not None
        await event_of(captured, ACCEPTED, assignment_id=assignment, state="ACCEPTED")
        await event_of(captured, "waops.trip.staff_assigned.v1", trip_id=trip["id"])
    for verb in ("accept", "decline"):
        status, body = await answer(core, assignment, verb, GUIDE)
        assert (status, body["error"]["code"]) == (409, "ASSIGNMENT_INVALID_TRANSITION")


async def test_a_declined_offer_frees_the_dates_and_leaves_the_trip_unstaffed(core: Any) -> None:
    trip = await new_trip(core)
    pemba = await staff_id(core, GUIDE)
    assignment = await offered(core, trip["id"], GUIDE, "LEAD_GUIDE")
    async with core.capture(DECLINED) as captured:
        status, body = await core.send(  # by staff id, saying why
            "POST",
            f"/v1/assignments/{assignment}/decline",
            {"reason": "  Family wedding that week. "},
            actor=pemba,
        )
        assert (status, body["assignment"]["state"]) == (200, "DECLINED")
        assert body["assignment"]["decline_reason"] == "Family wedding that week."
        declined = await event_of(captured, DECLINED, assignment_id=assignment)
        assert declined.data["reason"] == "Family wedding that week."
    assert (await core.get(f"/v1/trips/{trip['id']}"))[1]["trip"]["state"] == "SCHEDULED"
    status, body = await answer(core, assignment, "accept", GUIDE)
    assert (status, body["error"]["code"]) == (409, "ASSIGNMENT_INVALID_TRANSITION")
    status, body = await offer(core, trip["id"], pemba, "LEAD_GUIDE")  # may be asked again
    assert status == 201, body


async def test_offers_are_for_the_office_and_for_active_field_staff_of_the_right_kind(
    core: Any,
) -> None:
    trip = await new_trip(core)
    pemba, sita = await staff_id(core, GUIDE), await staff_id(core, SALES)
    inactive = await add_staff(core, "Retired Guide", "+9779815550303")
    await core.send("PATCH", f"/v1/staff/{inactive}", {"active": False})
    cases = [
        (dict(actor=None), 400, "ACTOR_REQUIRED"),
        (dict(actor="+9779841234567"), 403, "NOT_STAFF"),
        (dict(actor=SALES), 403, "OPERATIONS_ONLY"),
        (dict(actor=GUIDE), 403, "OPERATIONS_ONLY"),
        (dict(staff=sita), 409, "NOT_FIELD_STAFF"),
        (dict(staff=inactive), 409, "STAFF_INACTIVE"),
        (dict(staff=str(uuid.uuid4())), 422, "UNKNOWN_STAFF"),
        (dict(staff=await staff_id(core, PORTER)), 409, "STAFF_KIND_MISMATCH"),
        (dict(staff=await staff_id(core, DRIVER), role="GUIDE"), 409, "STAFF_KIND_MISMATCH"),
        (dict(amount="-1"), 400, "INVALID_REQUEST"),
        (dict(amount="1.234"), 400, "INVALID_REQUEST"),
        (dict(role="COOK"), 400, "INVALID_REQUEST"),
        (dict(staff="not-a-uuid"), 400, "INVALID_REQUEST"),
        (dict(currency="dollars"), 400, "INVALID_REQUEST"),
    ]
    for change, status_code, code in cases:
        kw: dict[str, Any] = {"actor": OPS, "staff": pemba, "role": "LEAD_GUIDE", "amount": "1"}
        kw.update(change)
        extra = {"currency": kw.pop("currency")} if "currency" in kw else {}
        status, body = await offer(
            core, trip["id"], kw["staff"], kw["role"], kw["amount"], actor=kw["actor"], **extra
        )
        assert (status, body["error"]["code"]) == (status_code, code), change
    assert await core.scalar("SELECT count(*) FROM trip_assignments") == 0
    status, body = await offer(core, trip["id"], pemba, "LEAD_GUIDE", actor=MANAGER)
    assert status == 201
    other_guide = await add_staff(core, "Ang Dorje", "+9779815550202")
    status, body = await offer(core, trip["id"], other_guide, "LEAD_GUIDE")
    assert (status, body["error"]["code"]) == (409, "LEAD_GUIDE_TAKEN")
    status, body = await offer(core, trip["id"], other_guide, "GUIDE")
    assert status == 201
    status, body = await offer(core, trip["id"], pemba, "GUIDE")  # already on this trip
    assert (status, body["error"]["code"]) == (409, "STAFF_DOUBLE_BOOKED")


async def test_a_staff_member_is_never_booked_on_overlapping_departures(core: Any) -> None:
    pemba = await staff_id(core, GUIDE)
    ebc = await new_trip(core, "EBC", start_in_days=3000)  # 14 days
    inside = await new_trip(core, "PKR", start_in_days=3013)  # starts on EBC's last day
    after = await new_trip(core, "PKR", start_in_days=3016)  # clear of both
    await accepted(core, ebc["id"], GUIDE, "LEAD_GUIDE")
    status, body = await offer(core, inside["id"], pemba, "LEAD_GUIDE")
    assert (status, body["error"]["code"]) == (409, "STAFF_DOUBLE_BOOKED")
    assert body["error"]["details"]["trip_reference"] == ebc["reference"]
    status, body = await offer(core, after["id"], pemba, "LEAD_GUIDE")
    assert status == 201, body
    # Once the EBC trip has ended, its dates no longer hold anybody.
    await trip_action(core, ebc["id"], "check-in", GUIDE)
    await trip_action(core, ebc["id"], "check-out", GUIDE)
    status, body = await offer(core, inside["id"], pemba, "LEAD_GUIDE")
    assert status == 201, body


async def test_concurrent_offers_on_overlapping_trips_book_the_member_once(core: Any) -> None:
    pemba = await staff_id(core, GUIDE)
    trips = [await new_trip(core, "EBC", start_in_days=3100 + i) for i in range(6)]
    results = await asyncio.gather(*(offer(core, t["id"], pemba, "LEAD_GUIDE") for t in trips))
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] + [409] * 5, results
    assert {b["error"]["code"] for s, b in results if s == 409} == {"STAFF_DOUBLE_BOOKED"}
    assert await core.scalar("SELECT count(*) FROM trip_assignments") == 1


async def test_no_work_is_offered_or_accepted_on_an_ended_trip(core: Any) -> None:
    trip = await staffed_trip(core)
    late = await offered(core, trip["id"], DRIVER, "DRIVER")
    await trip_action(core, trip["id"], "check-in", GUIDE)
    await trip_action(core, trip["id"], "check-out", GUIDE)
    status, body = await offer(core, trip["id"], await staff_id(core, PORTER), "PORTER")
    assert (status, body["error"]["code"]) == (409, "TRIP_INVALID_TRANSITION")
    status, body = await answer(core, late, "accept", DRIVER)
    assert (status, body["error"]["code"]) == (409, "TRIP_INVALID_TRANSITION")
    status, body = await answer(core, late, "decline", DRIVER)  # declining is always fine
    assert status == 200


async def test_a_deactivated_member_cannot_accept(core: Any) -> None:
    trip = await new_trip(core)
    assignment = await offered(core, trip["id"], GUIDE, "LEAD_GUIDE")
    await core.send("PATCH", f"/v1/staff/{await staff_id(core, GUIDE)}", {"active": False})
    status, body = await answer(core, assignment, "accept", GUIDE)
    assert (status, body["error"]["code"]) == (403, "STAFF_INACTIVE")


async def test_assignments_are_listed_by_staff_and_state(core: Any) -> None:
    first, second = await new_trip(core), await new_trip(core)
    a1 = await accepted(core, first["id"], GUIDE, "LEAD_GUIDE")
    a2 = await offered(core, second["id"], GUIDE, "LEAD_GUIDE")
    pemba = await staff_id(core, GUIDE)
    status, body = await core.get(f"/v1/assignments?staff={pemba}&limit=1")
    assert status == 200
    assert [a["id"] for a in body["items"]] == [a1]
    status, body = await core.get(f"/v1/assignments?staff={pemba}&cursor={body['next_cursor']}")
    assert [a["id"] for a in body["items"]] == [a2] and body["next_cursor"] is None
    status, body = await core.get("/v1/assignments?state=OFFERED")
    assert status == 200
    assert [a["id"] for a in body["items"]] == [a2]
