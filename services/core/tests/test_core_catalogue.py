"""The catalogue on real PostgreSQL and RabbitMQ: tours with deposit rules, departures with
price overrides, seats and status, listing with filters and cursors, and their events."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from inventory_support import book, event_of, future_start, new_departure, today

pytestmark = pytest.mark.integration

TOUR = "waops.catalogue.tour_upserted.v1"
DEPARTURE = "waops.departure.upserted.v1"
CLOSED = "waops.departure.closed.v1"

GOKYO = {
    "code": "gky",
    "name": "Gokyo Lakes Trek",
    "aliases": ["gokyo", "gokyo ri"],
    "duration_days": 12,
    "price_per_person": "1300",
    "deposit": {"kind": "FIXED", "value": "250"},
}


async def test_a_tour_is_created_changed_and_announced(core: Any) -> None:
    async with core.capture(TOUR) as captured:
        status, body = await core.send("POST", "/v1/tours", GOKYO, key="tour-1")
        assert status == 201, body
        tour = body["tour"]
        assert (tour["code"], tour["currency"], tour["price_per_person"]) == (
            "GKY",
            "USD",
            "1300.00",
        )
        assert tour["deposit"] == {"kind": "FIXED", "value": "250.00"}
        created = await event_of(captured, TOUR, code="GKY")
        assert (created.data["deposit_kind"], created.data["deposit_value"]) == ("FIXED", "250.00")

        status, body = await core.send(
            "PATCH", "/v1/tours/gky", {"price_per_person": "1350.50", "aliases": ["gokyo"]}
        )
        assert status == 200, body
        assert (body["tour"]["price_per_person"], body["tour"]["aliases"]) == ("1350.50", ["gokyo"])
        assert body["tour"]["name"] == "Gokyo Lakes Trek"
        await event_of(captured, TOUR, code="GKY", price_per_person="1350.50")
        status, body = await core.send("PATCH", "/v1/tours/GKY", {"price_per_person": "1350.50"})
        assert status == 200  # nothing changed: no event
        await captured.settled()
        assert len([e for e in captured.of_type(TOUR) if e.data["code"] == "GKY"]) == 2

    status, body = await core.get("/v1/tours")
    gky = next(t for t in body["tours"] if t["code"] == "GKY")
    assert gky["departures"] == []
    ebc = next(t for t in body["tours"] if t["code"] == "EBC")
    assert ebc["deposit"] == {"kind": "PERCENT", "value": "30.00"}  # the default rule


async def test_a_fixed_deposit_is_per_person(core: Any) -> None:
    await core.send("POST", "/v1/tours", GOKYO)
    departure = await new_departure(core, 10, tour="GKY")
    status, body = await book(core, departure["id"], 3)
    assert status == 201, body
    assert (body["booking"]["total_amount"], body["booking"]["deposit_amount"]) == (
        "3900.00",
        "750.00",
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/v1/tours", {**GOKYO, "code": "EBC"}, 409, "TOUR_EXISTS"),
        ("POST", "/v1/tours", {**GOKYO, "code": "x"}, 400, "INVALID_REQUEST"),
        (
            "POST",
            "/v1/tours",
            {**GOKYO, "deposit": {"kind": "PERCENT", "value": "130"}},
            400,
            "INVALID_REQUEST",
        ),
        ("POST", "/v1/tours", {**GOKYO, "price_per_person": "-1"}, 400, "INVALID_REQUEST"),
        ("PATCH", "/v1/tours/XYZ", {"name": "X"}, 404, "TOUR_NOT_FOUND"),
        ("PATCH", "/v1/tours/EBC", {"code": "NEW"}, 400, "INVALID_REQUEST"),
        (
            "POST",
            "/v1/tours/XYZ/departures",
            {"start_date": "2030-01-01", "capacity": 5},
            404,
            "TOUR_NOT_FOUND",
        ),
        (
            "POST",
            "/v1/tours/EBC/departures",
            {"start_date": "2030-01-10", "end_date": "2030-01-01", "capacity": 5},
            422,
            "INVALID_DATES",
        ),
        (
            "POST",
            "/v1/tours/EBC/departures",
            {"start_date": "2030-01-10", "capacity": 0},
            400,
            "INVALID_REQUEST",
        ),
    ],
)
async def test_bad_catalogue_changes_are_refused(
    core: Any, method: str, path: str, body: dict[str, Any], status: int, code: str
) -> None:
    got, err = await core.send(method, path, body)
    assert (got, err["error"]["code"]) == (status, code), err


async def test_an_unknown_tenant_cannot_create_tours(core: Any) -> None:
    status, err = await core.send("POST", "/v1/tours", GOKYO, tenant="nobody")
    assert (status, err["error"]["code"]) == (422, "UNKNOWN_TENANT")


async def test_a_departure_is_added_with_its_seats_and_announced(core: Any) -> None:
    start = future_start()
    async with core.capture(DEPARTURE) as captured:
        status, body = await core.send(
            "POST", "/v1/tours/PKR/departures", {"start_date": start, "capacity": 8}
        )
        assert status == 201, body
        dep = body["departure"]
        end = (date.fromisoformat(start) + timedelta(days=2)).isoformat()  # PKR: 3 days
        assert (dep["start_date"], dep["end_date"], dep["status"]) == (start, end, "OPEN")
        assert (dep["price_per_person"], dep["price_override"]) == ("220.00", None)
        assert dep["seats"] == {
            "capacity": 8,
            "held": 0,
            "confirmed": 0,
            "reserved": 0,
            "available": 8,
            "waitlist": 0,
        }
        event = await event_of(captured, DEPARTURE, departure_id=dep["id"])
        assert event.subject == f"DEPARTURE/{dep['id']}"
        assert (event.data["tour_code"], event.data["start_date"]) == ("PKR", start)
        assert event.data["seats"]["available"] == 8
    status, err = await core.send(
        "POST", "/v1/tours/PKR/departures", {"start_date": start, "capacity": 3}
    )
    assert (status, err["error"]["code"]) == (409, "DEPARTURE_EXISTS")
    status, got = await core.get(f"/v1/departures/{dep['id']}")
    assert (status, got["departure"]) == (200, dep)
    for missing in ("nope", "00000000-0000-0000-0000-000000000000"):
        status, err = await core.get(f"/v1/departures/{missing}")
        assert (status, err["error"]["code"]) == (404, "DEPARTURE_NOT_FOUND")
    status, _ = await core.get(f"/v1/departures/{dep['id']}", tenant="another-operator")
    assert status == 404


async def test_departures_list_by_tour_and_dates_in_pages(core: Any) -> None:
    status, body = await core.get("/v1/departures?limit=200")
    assert status == 200
    demo = body["items"]
    assert {d["tour_code"] for d in demo} == {"EBC", "ANC", "PKR"}
    assert all(date.fromisoformat(d["start_date"]) > today() for d in demo)  # the future
    assert [d["start_date"] for d in demo] == sorted(d["start_date"] for d in demo)

    seen, cursor = [], None
    while True:
        status, page = await core.get(
            "/v1/departures?tour=ebc&limit=2" + (f"&cursor={cursor}" if cursor else "")
        )
        assert status == 200, page
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [d["id"] for d in seen] == [d["id"] for d in demo if d["tour_code"] == "EBC"]

    lo, hi = demo[1]["start_date"], demo[-2]["start_date"]
    status, page = await core.get(f"/v1/departures?from={lo}&to={hi}&limit=200")
    assert [d["id"] for d in page["items"]] == [
        d["id"] for d in demo if lo <= d["start_date"] <= hi
    ]
    for bad in ("from=yesterday", "cursor=abc", "limit=0", "tour=%24%24", "extra=1"):
        status, err = await core.get(f"/v1/departures?{bad}")
        assert status == 400, (bad, err)


async def test_closing_a_departure_stops_bookings(core: Any) -> None:
    departure = await new_departure(core, 5)
    async with core.capture(CLOSED) as captured:
        status, body = await core.send("POST", f"/v1/departures/{departure['id']}/close")
        assert (status, body["departure"]["status"]) == (200, "CLOSED")
        event = await event_of(captured, CLOSED, departure_id=departure["id"])
        assert event.data["status"] == "CLOSED"
    status, err = await core.send("POST", f"/v1/departures/{departure['id']}/close")
    assert (status, err["error"]["code"]) == (409, "DEPARTURE_INVALID_TRANSITION")
    status, err = await book(core, departure["id"], 1)
    assert (status, err["error"]["code"]) == (409, "DEPARTURE_CLOSED")
    status, err = await core.send("POST", "/v1/departures/nope/close")
    assert (status, err["error"]["code"]) == (404, "DEPARTURE_NOT_FOUND")


async def test_a_departure_that_has_left_takes_no_bookings(core: Any) -> None:
    status, body = await core.send(
        "POST", "/v1/tours/PKR/departures", {"start_date": today().isoformat(), "capacity": 5}
    )
    assert status == 201, body
    status, err = await book(core, body["departure"]["id"], 1)
    assert (status, err["error"]["code"]) == (409, "DEPARTURE_STARTED")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/tours", {**GOKYO, "name": "Gokyo\x00"}),
        ("POST", "/v1/tours", {**GOKYO, "aliases": ["a\x00b"]}),
        ("PATCH", "/v1/tours/E%00C", {"name": "X"}),
        ("POST", "/v1/tours/EBC/departures", {"start_date": "9999-12-30", "capacity": 2}),
        (
            "POST",
            "/v1/bookings",
            {
                "departure_id": "x",
                "pax": 1,
                "customer_phone": "+9779841200001",
                "customer_name": "A\x00",
            },
        ),
    ],
)
async def test_unstorable_input_is_a_4xx_never_a_5xx(
    core: Any, method: str, path: str, body: dict[str, Any]
) -> None:
    status, err = await core.send(method, path, body, key="k-" + path[-6:])
    assert 400 <= status < 500, err
    assert err["error"]["code"]
