"""Trips on real PostgreSQL and RabbitMQ: one per departure, found by reference, started and
ended by the lead guide (bookings ACTIVE, then COMPLETED, payroll), closed by operations."""

from __future__ import annotations

import asyncio
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from field_support import (
    DRIVER,
    GUIDE,
    MANAGER,
    OPS,
    SALES,
    accepted,
    confirmed_booking,
    departure,
    new_trip,
    open_trip,
    staff_id,
    staffed_trip,
    trip_action,
)
from inventory_support import booking, event_of

pytestmark = pytest.mark.integration

T = "waops.trip.{}.v1"
PAYROLL = "waops.payroll.entry_created.v1"


async def test_a_departure_has_one_trip_found_by_id_or_reference(core: Any) -> None:
    dep = await departure(core, "EBC")
    status, first = await core.send("POST", f"/v1/departures/{dep['id']}/trip")
    assert status == 201, first
    trip = first["trip"]
    start = datetime.fromisoformat(dep["start_date"])
    assert trip["reference"] == f"EBC-{start:%y%m%d}"
    assert (trip["state"], trip["departure_id"], trip["tour_code"]) == (
        "SCHEDULED",
        dep["id"],
        "EBC",
    )
    assert (trip["start_date"], trip["end_date"]) == (dep["start_date"], dep["end_date"])
    assert trip["assignments"] == []
    status, again = await core.send("POST", f"/v1/departures/{dep['id']}/trip")
    assert (status, again["trip"]) == (200, trip)
    for key in (trip["id"], trip["reference"], trip["reference"].lower()):
        status, body = await core.get(f"/v1/trips/{key}")
        assert (status, body["trip"]) == (200, trip)
    for path, tenant in (
        (f"/v1/trips/{trip['id']}", "another-operator"),
        (f"/v1/trips/{uuid.uuid4()}", "demo"),
        ("/v1/trips/XYZ-990101", "demo"),
        ("/v1/trips/not a trip", "demo"),
    ):
        status, body = await core.get(path, tenant=tenant)
        assert (status, body["error"]["code"]) == (404, "TRIP_NOT_FOUND")
    for missing in (str(uuid.uuid4()), "nope"):
        status, body = await core.send("POST", f"/v1/departures/{missing}/trip")
        assert (status, body["error"]["code"]) == (404, "DEPARTURE_NOT_FOUND")


async def test_concurrent_opens_make_one_trip(core: Any) -> None:
    dep = await departure(core)
    results = await asyncio.gather(
        *(core.send("POST", f"/v1/departures/{dep['id']}/trip") for _ in range(8))
    )
    assert sorted(s for s, _ in results).count(201) == 1
    assert {b["trip"]["id"] for _, b in results} == {results[0][1]["trip"]["id"]}
    assert await core.scalar("SELECT count(*) FROM trips") == 1


async def test_the_whole_life_of_a_trip(core: Any) -> None:
    dep = await departure(core, "PKR")
    asha = await confirmed_booking(core, dep["id"], 2, "+9779841100001")
    ben = await confirmed_booking(core, dep["id"], 3, "+9779841100002")
    trip = await open_trip(core, dep["id"])
    ref = trip["reference"]
    travellers = {(asha["reference"], "+9779841100001", 2), (ben["reference"], "+9779841100002", 3)}

    def who(event: Any) -> set[tuple[str, str, int]]:
        return {(t["reference"], t["customer_phone"], t["pax"]) for t in event.data["travellers"]}

    async with core.capture("waops.trip.#", PAYROLL) as captured:
        lead = await accepted(core, trip["id"], GUIDE, "LEAD_GUIDE", "420.00")
        staffed = await event_of(captured, T.format("staff_assigned"), trip_id=trip["id"])
        assert staffed.data["lead_guide"]["phone"] == GUIDE
        assert staffed.data["lead_guide"]["name"] == "Pemba Sherpa"
        assert who(staffed) == travellers
        driver = await accepted(core, trip["id"], DRIVER, "DRIVER", "150.00")
        status, body = await core.get(f"/v1/trips/{ref}")
        assert body["trip"]["state"] == "STAFF_ASSIGNED"
        assert {(a["id"], a["state"]) for a in body["trip"]["assignments"]} == {
            (lead, "ACCEPTED"),
            (driver, "ACCEPTED"),
        }

        # Only the accepted lead guide checks in; the field staff types the reference.
        for actor, status_code, code in (
            (None, 400, "ACTOR_REQUIRED"),
            ("+9779841100001", 403, "NOT_STAFF"),  # a customer
            (SALES, 403, "NOT_ASSIGNED"),
            (DRIVER, 403, "LEAD_GUIDE_ONLY"),
        ):
            status, body = await trip_action(core, ref, "check-in", actor)
            assert (status, body["error"]["code"]) == (status_code, code)
        status, body = await trip_action(core, ref.lower(), "check-in", GUIDE, "All 5 here")
        assert (status, body["trip"]["state"]) == (200, "STARTED"), body
        assert body["trip"]["started_at"] is not None
        for b in (asha, ben):
            assert (await booking(core, b["reference"]))["state"] == "ACTIVE"
        started = await event_of(captured, T.format("started"), trip_id=trip["id"])
        assert started.data["lead_guide"]["phone"] == GUIDE
        assert started.data["by"]["phone"] == GUIDE
        assert started.data["note"] == "All 5 here"
        assert who(started) == travellers
        assert started.data["tour_name"] == "Pokhara Sightseeing"
        assert {c["role"] for c in started.data["crew"]} == {"LEAD_GUIDE", "DRIVER"}

        status, body = await trip_action(core, ref, "check-in", GUIDE)
        assert (status, body["error"]["code"]) == (409, "TRIP_INVALID_TRANSITION")

        status, body = await trip_action(core, ref, "progress", DRIVER, "Lakeside now")
        assert (status, body["trip"]["state"]) == (200, "IN_PROGRESS")
        await event_of(captured, T.format("in_progress"), trip_id=trip["id"], note="Lakeside now")
        await event_of(captured, T.format("update_posted"), trip_id=trip["id"], note="Lakeside now")
        status, body = await trip_action(core, ref, "progress", DRIVER)
        assert (status, body["error"]["code"]) == (422, "NOTE_REQUIRED")
        status, body = await trip_action(core, ref, "progress", DRIVER, "Boating on Phewa")
        assert (status, body["trip"]["state"]) == (200, "IN_PROGRESS")
        later = await event_of(
            captured, T.format("update_posted"), trip_id=trip["id"], note="Boating on Phewa"
        )
        assert later.data["by"]["phone"] == DRIVER

        status, body = await trip_action(core, ref, "close", OPS)
        assert (status, body["error"]["code"]) == (409, "TRIP_INVALID_TRANSITION")
        status, body = await trip_action(core, ref, "check-out", DRIVER)
        assert (status, body["error"]["code"]) == (403, "LEAD_GUIDE_ONLY")
        status, body = await trip_action(core, ref, "check-out", GUIDE, "Back at the hotel")
        assert (status, body["trip"]["state"]) == (200, "ENDED"), body
        assert body["trip"]["end_note"] == "Back at the hotel"
        for b in (asha, ben):
            assert (await booking(core, b["reference"]))["state"] == "COMPLETED"
        ended = await event_of(captured, T.format("ended"), trip_id=trip["id"])
        assert who(ended) == travellers  # who travelled, although no longer ACTIVE

        paid = {
            (e.data["assignment_id"], e.data["amount"], e.data["staff"]["phone"])
            for e in [
                await event_of(captured, PAYROLL, assignment_id=lead),
                await event_of(captured, PAYROLL, assignment_id=driver),
            ]
        }
        assert paid == {(lead, "420.00", GUIDE), (driver, "150.00", DRIVER)}

        status, body = await trip_action(core, ref, "close", GUIDE)
        assert (status, body["error"]["code"]) == (403, "OPERATIONS_ONLY")
        status, body = await trip_action(core, ref, "close", OPS)
        assert (status, body["trip"]["state"]) == (200, "CLOSED")
        await event_of(captured, T.format("closed"), trip_id=trip["id"])
        for action, actor in (("check-in", GUIDE), ("check-out", GUIDE), ("close", MANAGER)):
            status, body = await trip_action(core, ref, action, actor)
            assert (status, body["error"]["code"]) == (409, "TRIP_INVALID_TRANSITION")

    status, body = await core.get(f"/v1/payroll?staff={await staff_id(core, GUIDE)}")
    assert [(e["amount"], e["trip_reference"], e["role"]) for e in body["items"]] == [
        ("420.00", ref, "LEAD_GUIDE")
    ]
    assert await core.scalar("SELECT count(*) FROM payroll_entries") == 2


async def test_a_short_trip_ends_straight_from_started_and_pays_only_accepted_crew(
    core: Any,
) -> None:
    trip = await staffed_trip(core)
    status, _ = await core.send(
        "POST",
        f"/v1/trips/{trip['id']}/assignments",
        {"staff_id": await staff_id(core, DRIVER), "role": "DRIVER", "compensation_amount": "90"},
        actor=OPS,
    )
    assert status == 201  # offered, never answered: earns nothing
    assert (await trip_action(core, trip["id"], "check-in", GUIDE))[0] == 200
    status, body = await trip_action(core, trip["id"], "check-out", GUIDE)
    assert (status, body["trip"]["state"]) == (200, "ENDED")
    assert await core.scalar("SELECT count(*) FROM payroll_entries") == 1


async def test_nothing_can_start_a_trip_without_an_accepted_lead_guide(core: Any) -> None:
    trip = await new_trip(core)
    for action in ("check-in", "check-out", "progress"):
        status, body = await trip_action(core, trip["id"], action, GUIDE)
        assert (status, body["error"]["code"]) == (403, "NOT_ASSIGNED")
    status, body = await trip_action(core, trip["id"], "progress", OPS)
    assert (status, body["error"]["code"]) == (409, "TRIP_INVALID_TRANSITION")
    status, body = await trip_action(core, trip["id"], "close", OPS)
    assert (status, body["error"]["code"]) == (409, "TRIP_INVALID_TRANSITION")
    assert (await core.get(f"/v1/trips/{trip['id']}"))[1]["trip"]["state"] == "SCHEDULED"


async def test_a_retried_check_in_returns_the_first_answer_and_starts_once(core: Any) -> None:
    trip = await staffed_trip(core)
    first = await trip_action(core, trip["id"], "check-in", GUIDE, key="ci-1")
    again = await trip_action(core, trip["id"], "check-in", GUIDE, key="ci-1")
    assert first == again and first[0] == 200
    started = await core.scalar(
        "SELECT count(*) FROM outbox WHERE routing_key = 'waops.trip.started.v1'"
    )
    assert started == 1


async def test_trips_are_listed_by_state_departure_and_staff_in_pages(core: Any) -> None:
    staffed = await staffed_trip(core)
    plain = [await new_trip(core) for _ in range(3)]
    status, body = await core.get("/v1/trips?state=SCHEDULED&limit=2")
    assert status == 200
    ids = [t["id"] for t in body["items"]]
    status, more = await core.get(f"/v1/trips?state=SCHEDULED&limit=2&cursor={body['next_cursor']}")
    ids += [t["id"] for t in more["items"]]
    assert ids == [t["id"] for t in plain] and more["next_cursor"] is None
    status, body = await core.get(f"/v1/trips?staff={await staff_id(core, GUIDE)}")
    assert [t["id"] for t in body["items"]] == [staffed["id"]]
    status, body = await core.get(f"/v1/trips?departure={plain[1]['departure_id']}")
    assert [t["id"] for t in body["items"]] == [plain[1]["id"]]
    for bad in ("state=LOST", "departure=nope", "cursor=WyJub3QtYS1kYXRlIiwieCJd", "limit=999"):
        status, body = await core.get(f"/v1/trips?{bad}")
        assert status == 400, (bad, body)


async def test_payroll_is_filtered_by_staff_and_date(core: Any) -> None:
    trip = await staffed_trip(core)
    await trip_action(core, trip["id"], "check-in", GUIDE)
    await trip_action(core, trip["id"], "check-out", GUIDE)
    today = datetime.now(UTC).date()
    guide = await staff_id(core, GUIDE)
    for query, count in (
        (f"staff={guide}", 1),
        (f"staff={guide}&from={today}&to={today}", 1),
        (f"from={today + timedelta(days=1)}", 0),
        (f"to={today - timedelta(days=1)}", 0),
        (f"staff={await staff_id(core, DRIVER)}", 0),
    ):
        status, body = await core.get(f"/v1/payroll?{query}")
        assert (status, len(body["items"])) == (200, count), query
    assert (await core.get("/v1/payroll?from=yesterday"))[0] == 400


ORDER = ["SCHEDULED", "STAFF_ASSIGNED", "STARTED", "IN_PROGRESS", "ENDED", "CLOSED"]
KNOWN_REFUSALS = {
    "TRIP_INVALID_TRANSITION",
    "NOTE_REQUIRED",
    "ASSIGNMENT_INVALID_TRANSITION",
    "NOT_ASSIGNED",
    "LEAD_GUIDE_ONLY",
    "LEAD_GUIDE_TAKEN",
    "STAFF_DOUBLE_BOOKED",
    "OPERATIONS_ONLY",
    "STAFF_KIND_MISMATCH",
}


async def test_random_field_commands_never_reach_an_invalid_state(core: Any) -> None:
    """A seeded random walk of offers, answers, check-ins and -outs, progress, incidents and
    closes by random actors: every answer is a success or a named refusal, the trip only
    moves forward, and the invariants hold after every step."""
    second = await add_guide(core)
    reached: set[str] = set()
    for seed in range(1, 7):
        reached |= await random_walk(core, random.Random(seed), second)
    assert reached == set(ORDER)  # the walks went everywhere, closing included


async def random_walk(core: Any, rng: random.Random, second: str) -> set[str]:
    dep = await departure(core)
    booking_ref = (await confirmed_booking(core, dep["id"], 2, "+9779841100009"))["reference"]
    trip = await open_trip(core, dep["id"])
    people = [GUIDE, DRIVER, OPS, SALES, second]
    roles = {GUIDE: ["LEAD_GUIDE", "GUIDE"], second: ["LEAD_GUIDE", "GUIDE"], DRIVER: ["DRIVER"]}
    offers: dict[str, str] = {}  # assignment id -> the phone of the member offered
    state = "SCHEDULED"
    reached = {state}
    for _ in range(40):
        command = rng.choice(
            ["offer", "accept", "decline", "check-in", "check-out", "progress", "close", "incident"]
        )
        actor = rng.choice(people)
        if command == "offer":
            who = rng.choice(list(roles))
            status, body = await core.send(
                "POST",
                f"/v1/trips/{trip['id']}/assignments",
                {
                    "staff_id": await staff_id(core, who),
                    "role": rng.choice(roles[who]),
                    "compensation_amount": "100",
                },
                actor=rng.choice([OPS, MANAGER, actor]),
            )
            if status == 201:
                offers[body["assignment"]["id"]] = who
        elif command in ("accept", "decline"):
            if not offers:
                continue
            offer_id = rng.choice(list(offers))
            # Mostly the member offered answers (else the walk would hardly get anywhere).
            by = offers[offer_id] if rng.random() < 0.8 else actor
            status, body = await core.send(
                "POST", f"/v1/assignments/{offer_id}/{command}", actor=by
            )
        elif command == "incident":
            status, body = await core.send(
                "POST",
                f"/v1/trips/{trip['id']}/incidents",
                {"severity": "LOW", "text": "note"},
                actor=actor,
            )
        else:
            # The guides mostly; operations mostly for a close.
            by = rng.choice([OPS, MANAGER, actor] if command == "close" else [GUIDE, second, actor])
            status, body = await trip_action(core, trip["id"], command, by)
        assert status < 500
        if status >= 400:
            assert body["error"]["code"] in KNOWN_REFUSALS | {"NOT_STAFF"}, body
        now = (await core.get(f"/v1/trips/{trip['id']}"))[1]["trip"]
        assert ORDER.index(now["state"]) >= ORDER.index(state), (state, now["state"])
        state = now["state"]
        live = [a for a in now["assignments"] if a["state"] in ("OFFERED", "ACCEPTED")]
        accepted_crew = [a for a in now["assignments"] if a["state"] == "ACCEPTED"]
        assert sum(a["role"] == "LEAD_GUIDE" for a in live) <= 1
        assert len({a["staff_id"] for a in live}) == len(live)
        assert (state == "SCHEDULED") == (not accepted_crew)
        if ORDER.index(state) >= ORDER.index("STARTED"):
            assert any(a["role"] == "LEAD_GUIDE" for a in accepted_crew)
        expected = {
            "STARTED": "ACTIVE",
            "IN_PROGRESS": "ACTIVE",
            "ENDED": "COMPLETED",
            "CLOSED": "COMPLETED",
        }.get(state, "CONFIRMED")
        assert (await booking(core, booking_ref))["state"] == expected
        reached.add(state)
        paid = await core.scalar(
            "SELECT count(*) FROM payroll_entries WHERE trip_id = :t", t=trip["id"]
        )
        assert paid == (len(accepted_crew) if state in ("ENDED", "CLOSED") else 0)
    return reached


async def add_guide(core: Any) -> str:
    phone = "+9779815550404"
    status, body = await core.send(
        "POST",
        "/v1/staff",
        {"name": "Ang Dorje", "phone": phone, "role": "FIELD_STAFF", "kind": "guide"},
    )
    assert status == 201, body
    return phone
