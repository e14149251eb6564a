"""The waitlist on real PostgreSQL and RabbitMQ: joining, offers of freed seats reserved for
the first in line that fits, expiry and decline moving on, confirm turning into a hold."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from core.handlers import bookings as seams

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from inventory_support import (
    book,
    booked,
    booking,
    customer,
    event_of,
    new_departure,
    run_seam,
    seats,
)

pytestmark = pytest.mark.integration

JOINED = "waops.waitlist.joined.v1"
OFFERED = "waops.waitlist.offered.v1"
OFFER_EXPIRED = "waops.waitlist.offer_expired.v1"
DECLINED = "waops.waitlist.offer_declined.v1"
CONFIRMED = "waops.waitlist.confirmed.v1"
WAITLISTED = "waops.booking.waitlisted.v1"
HELD = "waops.booking.held.v1"
CANCELLED = "waops.booking.cancelled.v1"


async def waitlisted(core: Any, departure_id: str, pax: int, n: int) -> dict[str, Any]:
    status, body = await book(
        core, departure_id, pax, phone=customer(n), name=f"Waiting {n}", waitlist=True
    )
    assert status == 201, body
    assert body["booking"]["state"] == "WAITLISTED"
    return dict(body["booking"])


async def full_with_line(core: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A departure of 3 seats held by one booking, and two parties of 2 in line."""
    departure = await new_departure(core, 3)
    holder = await booked(core, departure["id"], 3)
    line = [await waitlisted(core, departure["id"], 2, n) for n in (1, 2)]
    return departure, holder, line


async def test_joining_the_line_gives_a_position(core: Any) -> None:
    async with core.capture(JOINED, WAITLISTED) as captured:
        departure, _, (first, second) = await full_with_line(core)
        assert (first["waitlist"]["position"], second["waitlist"]["position"]) == (1, 2)
        assert first["waitlist"]["status"] == "WAITING" and first["hold"] is None
        assert (first["total_amount"], first["reference"][:4]) == ("2900.00", "EBC-")
        joined = await event_of(captured, JOINED, booking_id=second["id"])
        assert (joined.data["position"], joined.data["customer_name"]) == (2, "Waiting 2")
        listed = await event_of(captured, WAITLISTED, booking_id=second["id"])
        assert (listed.data["waitlist_position"], listed.data["customer_phone"]) == (2, customer(2))
    assert (await seats(core, departure["id"]))["waitlist"] == 2
    status, line = await core.get(f"/v1/departures/{departure['id']}/waitlist")
    assert status == 200
    assert [b["id"] for b in line["items"]] == [first["id"], second["id"]]
    # seats free: waitlist=true just books
    roomy = await new_departure(core, 5)
    status, body = await book(core, roomy["id"], 2, waitlist=True)
    assert (status, body["booking"]["state"]) == (201, "HELD")


async def test_cancellation_offers_to_first_expiry_moves_to_second_confirm_holds(
    core: Any,
) -> None:
    departure, holder, (first, second) = await full_with_line(core)
    async with core.capture(OFFERED, OFFER_EXPIRED, CONFIRMED, HELD, CANCELLED) as captured:
        status, cancelled = await core.send("POST", f"/v1/bookings/{holder['id']}/cancel")
        assert status == 200
        freed_at = datetime.fromisoformat(cancelled["booking"]["updated_at"])
        # 3 seats free: #1 (2) gets an offer, #2 (2) does not fit the 1 left and waits
        offered = await booking(core, first["id"])
        assert (offered["state"], offered["waitlist"]["status"]) == ("WAITLISTED", "OFFERED")
        offer_expires = datetime.fromisoformat(offered["waitlist"]["offer_expires_at"])
        assert offer_expires - freed_at == timedelta(hours=2)  # WAOPS_CORE_OFFER_HOURS
        assert (await booking(core, second["id"]))["waitlist"]["status"] == "WAITING"
        assert await seats(core, departure["id"]) == {
            "capacity": 3,
            "held": 0,
            "confirmed": 0,
            "reserved": 2,
            "available": 1,
            "waitlist": 2,
        }
        event = await event_of(captured, OFFERED, booking_id=first["id"])
        assert (event.data["position"], event.data["customer_phone"]) == (1, customer(1))
        assert event.data["offer_expires_at"] == offered["waitlist"]["offer_expires_at"]
        # the reserved seats are the offer's: nobody else takes them
        status, err = await book(core, departure["id"], 2, phone=customer(9))
        assert (status, err["error"]["code"]) == (409, "NO_SEATS_LEFT")

        core.deps.clock.advance(timedelta(hours=1, minutes=59))
        assert (await core.deps.sweeper.run_once())["waitlist.offers_expire"] == 0
        core.deps.clock.advance(timedelta(minutes=2))
        status, err = await core.send("POST", f"/v1/bookings/{first['id']}/confirm-offer")
        assert (status, err["error"]["code"]) == (409, "OFFER_EXPIRED")  # not yet swept
        assert (await core.deps.sweeper.run_once())["waitlist.offers_expire"] == 1

        gone = await booking(core, first["id"])
        assert (gone["state"], gone["cancel_reason"]) == ("CANCELLED", "OFFER_EXPIRED")
        assert (gone["waitlist"]["status"], gone["waitlist"]["position"]) == ("EXPIRED", None)
        expired = await event_of(captured, OFFER_EXPIRED, booking_id=first["id"])
        assert expired.data["customer_phone"] == customer(1)
        now_offered = await booking(core, second["id"])
        assert (now_offered["waitlist"]["status"], now_offered["waitlist"]["position"]) == (
            "OFFERED",
            1,
        )
        await event_of(captured, OFFERED, booking_id=second["id"])

        status, body = await core.send(
            "POST", f"/v1/bookings/{second['reference'].replace('-', '')}/confirm-offer"
        )
        assert status == 200, body
        held = body["booking"]
        assert (held["state"], held["hold"]["status"], held["waitlist"]["status"]) == (
            "HELD",
            "ACTIVE",
            "CONFIRMED",
        )
        assert datetime.fromisoformat(held["hold"]["expires_at"]) > datetime.fromisoformat(
            held["updated_at"]
        )
        await event_of(captured, CONFIRMED, booking_id=second["id"])
        announced = await event_of(captured, HELD, booking_id=second["id"])
        assert (announced.data["previous_state"], announced.data["pax"]) == ("WAITLISTED", 2)
    assert await seats(core, departure["id"]) == {
        "capacity": 3,
        "held": 2,
        "confirmed": 0,
        "reserved": 0,
        "available": 1,
        "waitlist": 0,
    }
    # the confirmed booking goes on like any other
    paid = await run_seam(core, seams.confirm_paid_booking, second["id"])
    assert paid["state"] == "CONFIRMED"


async def test_declining_moves_the_offer_on(core: Any) -> None:
    _, holder, (first, second) = await full_with_line(core)
    status, err = await core.send("POST", f"/v1/bookings/{first['id']}/decline-offer")
    assert (status, err["error"]["code"]) == (409, "NO_OPEN_OFFER")
    await core.send("POST", f"/v1/bookings/{holder['id']}/cancel")
    async with core.capture(DECLINED, OFFERED) as captured:
        status, body = await core.send("POST", f"/v1/bookings/{first['id']}/decline-offer")
        assert status == 200, body
        assert (body["booking"]["state"], body["booking"]["cancel_reason"]) == (
            "CANCELLED",
            "OFFER_DECLINED",
        )
        await event_of(captured, DECLINED, booking_id=first["id"])
        await event_of(captured, OFFERED, booking_id=second["id"])
    status, err = await core.send("POST", f"/v1/bookings/{first['id']}/confirm-offer")
    assert (status, err["error"]["code"]) == (409, "BOOKING_INVALID_TRANSITION")


async def test_leaving_the_line_moves_everyone_up(core: Any) -> None:
    departure = await new_departure(core, 1)
    await booked(core, departure["id"], 1)
    line = [await waitlisted(core, departure["id"], 1, n) for n in (1, 2, 3)]
    status, body = await core.send("POST", f"/v1/bookings/{line[0]['id']}/cancel")
    assert (status, body["booking"]["waitlist"]["status"]) == (200, "CANCELLED")
    assert [(await booking(core, b["id"]))["waitlist"]["position"] for b in line[1:]] == [1, 2]
    assert (await seats(core, departure["id"]))["waitlist"] == 2


async def test_an_expired_hold_offers_its_seats_to_the_line(core: Any) -> None:
    departure = await new_departure(core, 2)
    await booked(core, departure["id"], 2)
    big = await waitlisted(core, departure["id"], 3, 1)  # never fits: keeps its place
    small = await waitlisted(core, departure["id"], 1, 2)
    core.deps.clock.advance(timedelta(hours=24, seconds=1))
    await core.deps.sweeper.run_once()
    assert (await booking(core, big["id"]))["waitlist"] == {
        **big["waitlist"],
        "status": "WAITING",
    }
    offered = await booking(core, small["id"])
    assert (offered["waitlist"]["status"], offered["waitlist"]["position"]) == ("OFFERED", 2)
    status, body = await core.send("POST", f"/v1/bookings/{small['id']}/confirm-offer")
    assert (status, body["booking"]["state"]) == (200, "HELD")


async def test_a_closed_departure_makes_no_offers(core: Any) -> None:
    departure, holder, (first, _) = await full_with_line(core)
    status, _ = await core.send("POST", f"/v1/departures/{departure['id']}/close")
    assert status == 200
    await core.send("POST", f"/v1/bookings/{holder['id']}/cancel")
    assert (await booking(core, first["id"]))["waitlist"]["status"] == "WAITING"
    status, err = await book(core, departure["id"], 1, waitlist=True)
    assert (status, err["error"]["code"]) == (409, "DEPARTURE_CLOSED")


async def test_the_demo_has_a_full_departure_with_two_waiting(core: Any) -> None:
    status, body = await core.get("/v1/departures?tour=EBC")
    assert status == 200
    [full] = [d for d in body["items"] if d["seats"]["waitlist"]]
    assert full["seats"] == {
        "capacity": 2,
        "held": 0,
        "confirmed": 2,
        "reserved": 0,
        "available": 0,
        "waitlist": 2,
    }
    status, line = await core.get(f"/v1/departures/{full['id']}/waitlist")
    assert [b["customer_name"] for b in line["items"]] == ["Tom Baker", "Priya Nair"]
    status, paid = await core.get(f"/v1/bookings?departure_id={full['id']}&state=CONFIRMED")
    [lena] = paid["items"]
    await core.send("POST", f"/v1/bookings/{lena['id']}/cancel")
    status, line = await core.get(f"/v1/departures/{full['id']}/waitlist")
    assert [b["waitlist"]["status"] for b in line["items"]] == ["OFFERED", "WAITING"]
