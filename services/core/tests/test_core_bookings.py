"""Bookings on real PostgreSQL and RabbitMQ: book and hold, references, reads, lists,
idempotency, refusals, manager overrides, hold expiry and the seams other areas call."""

from __future__ import annotations

import asyncio
import re
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from core.handlers import bookings as seams
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from inventory_support import (
    MANAGER_PHONE,
    SALES_PHONE,
    book,
    booked,
    booking,
    customer,
    event_of,
    events_of,
    new_departure,
    run_seam,
    seam_call,
    seats,
)

pytestmark = pytest.mark.integration

HELD = "waops.booking.held.v1"
HOLD_PLACED = "waops.hold.placed.v1"
DEPARTURE = "waops.departure.upserted.v1"


async def test_a_booking_holds_seats_and_is_announced(core: Any) -> None:
    departure = await new_departure(core, 12)
    async with core.capture(HELD, HOLD_PLACED, DEPARTURE) as captured:
        status, body = await book(
            core, departure["id"], 3, phone="+977 984-123-4567", name="Asha", key="b-1"
        )
        assert status == 201, body
        b = body["booking"]
        year = departure["start_date"][2:4]
        assert re.fullmatch(rf"EBC-{year}\d{{5}}", b["reference"])
        assert (b["state"], b["pax"], b["customer_phone"]) == ("HELD", 3, "+9779841234567")
        assert (b["price_per_person"], b["total_amount"], b["deposit_amount"]) == (
            "1450.00",
            "4350.00",
            "1305.00",  # 30 % by default
        )
        hold = b["hold"]
        assert hold["status"] == "ACTIVE" and hold["override"] is False
        expires = datetime.fromisoformat(hold["expires_at"])
        created = datetime.fromisoformat(b["created_at"])
        assert expires - created == timedelta(hours=24)
        assert await seats(core, departure["id"]) == {
            "capacity": 12,
            "held": 3,
            "confirmed": 0,
            "reserved": 0,
            "available": 9,
            "waitlist": 0,
        }
        held = await event_of(captured, HELD, booking_id=b["id"])
        assert held.subject == f"BOOKING/{b['id']}"
        assert held.data["reference"] == b["reference"]
        assert held.data["customer_phone"] == "+9779841234567"
        assert held.data["customer_name"] == "Asha"
        assert held.data["hold_expires_at"] == hold["expires_at"]
        assert (held.data["start_date"], held.data["tour_name"]) == (
            departure["start_date"],
            "Everest Base Camp Trek",
        )
        assert held.data["deposit_amount"] == "1305.00"
        placed = await event_of(captured, HOLD_PLACED, booking_id=b["id"])
        assert (placed.data["hold_id"], placed.data["available"]) == (hold["id"], 9)
        updates = await events_of(captured, DEPARTURE, 1, departure_id=departure["id"])
        assert updates[-1].data["seats"]["available"] == 9


async def test_a_booking_is_found_by_id_or_either_reference_form(core: Any) -> None:
    departure = await new_departure(core, 5)
    b = await booked(core, departure["id"], 2)
    ref = b["reference"]
    for key in (b["id"], ref, ref.replace("-", ""), ref.lower(), ref.replace("-", "").lower()):
        assert (await booking(core, key))["id"] == b["id"]
    for missing in (str(uuid.uuid4()), "EBC-0000000", "nonsense", "%20"):
        status, err = await core.get(f"/v1/bookings/{missing}")
        assert (status, err["error"]["code"]) == (404, "BOOKING_NOT_FOUND")
    status, err = await core.get(f"/v1/bookings/{b['id']}", tenant="another-operator")
    assert status == 404


async def test_a_departure_price_override_sets_the_booking_amounts(core: Any) -> None:
    departure = await new_departure(core, 5, tour="PKR", price="199.99")
    b = await booked(core, departure["id"], 3)
    assert (b["price_per_person"], b["total_amount"], b["deposit_amount"]) == (
        "199.99",
        "599.97",
        "179.99",
    )


async def test_listing_filters_and_pages(core: Any) -> None:
    first = await new_departure(core, 20)
    other = await new_departure(core, 20, tour="ANC")
    made = [await booked(core, first["id"], 1, phone=customer(i)) for i in range(5)]
    await booked(core, other["id"], 1, phone=customer(0))
    seen: list[str] = []
    cursor = None
    while True:
        path = f"/v1/bookings?departure_id={first['id']}&limit=2"
        status, page = await core.get(path + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200, page
        seen += [b["id"] for b in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [b["id"] for b in made]
    status, page = await core.get(f"/v1/bookings?customer_phone=%2B{customer(0)[1:]}&state=HELD")
    assert {b["departure_id"] for b in page["items"]} >= {first["id"], other["id"]}
    status, page = await core.get("/v1/bookings?state=COMPLETED")
    assert (status, page["items"]) == (200, [])
    for bad in ("state=NOPE", "departure_id=x", "cursor=zzz", "customer_phone=nope"):
        status, err = await core.get(f"/v1/bookings?{bad}")
        assert status == 400, (bad, err)


async def test_no_seats_left_answers_the_availability(core: Any) -> None:
    departure = await new_departure(core, 4)
    await booked(core, departure["id"], 3)
    status, err = await book(core, departure["id"], 2)
    assert (status, err["error"]["code"]) == (409, "NO_SEATS_LEFT")
    assert err["error"]["details"]["availability"]["available"] == 1
    assert (
        await core.scalar(
            "SELECT count(*) FROM bookings WHERE departure_id = :d", d=departure["id"]
        )
        == 1
    )


async def test_a_replay_returns_the_first_booking_and_holds_once(core: Any) -> None:
    departure = await new_departure(core, 6)
    first = await book(core, departure["id"], 2, key="replay-1")
    again = await book(core, departure["id"], 2, key="replay-1")
    assert first == again and first[0] == 201
    racing = await asyncio.gather(
        *(book(core, departure["id"], 2, key="replay-2") for _ in range(8))
    )
    assert {s for s, _ in racing} == {201}
    assert len({b["booking"]["id"] for _, b in racing}) == 1
    assert (await seats(core, departure["id"]))["held"] == 4
    status, err = await book(core, departure["id"], 3, key="replay-1")
    assert (status, err["error"]["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    resp = await core.client.post(
        "/v1/bookings",
        json={"departure_id": departure["id"], "pax": 1, "customer_phone": customer(1)},
        headers={"X-Waops-Tenant": "demo"},
    )
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")


async def test_fifty_concurrent_holds_for_the_last_three_seats(core: Any) -> None:
    departure = await new_departure(core, 10)
    await booked(core, departure["id"], 7)
    results = await asyncio.gather(
        *(book(core, departure["id"], 1, phone=customer(100 + i)) for i in range(50))
    )
    statuses = [s for s, _ in results]
    assert statuses.count(201) == 3, statuses
    assert statuses.count(409) == 47
    assert {b["error"]["code"] for s, b in results if s == 409} == {"NO_SEATS_LEFT"}
    assert await seats(core, departure["id"]) == {
        "capacity": 10,
        "held": 10,
        "confirmed": 0,
        "reserved": 0,
        "available": 0,
        "waitlist": 0,
    }
    live = await core.scalar(
        "SELECT sum(pax) FROM holds WHERE departure_id = :d AND status = 'ACTIVE'",
        d=departure["id"],
    )
    assert live == 10


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"customer_phone": "call me"}, 422, "INVALID_PHONE"),
        ({"pax": 0}, 400, "INVALID_REQUEST"),
        ({"pax": 51}, 400, "INVALID_REQUEST"),
        ({"departure_id": "not-an-id"}, 404, "DEPARTURE_NOT_FOUND"),
        ({"departure_id": str(uuid.UUID(int=7))}, 404, "DEPARTURE_NOT_FOUND"),
        ({"lead_id": str(uuid.UUID(int=7))}, 422, "UNKNOWN_LEAD"),
        ({"lead_id": "x"}, 422, "UNKNOWN_LEAD"),
        ({"surprise": 1}, 400, "INVALID_REQUEST"),
    ],
)
async def test_bad_bookings_are_refused_with_a_code(
    core: Any, change: dict[str, Any], status: int, code: str
) -> None:
    departure = await new_departure(core, 5)
    body = {
        "departure_id": departure["id"],
        "pax": 1,
        "customer_phone": customer(1),
        **change,
    }
    got, err = await core.send("POST", "/v1/bookings", body, key=str(uuid.uuid4()))
    assert (got, err["error"]["code"]) == (status, code), err
    assert await core.scalar("SELECT count(*) FROM bookings") == 3  # the demo's only


async def test_a_booking_can_carry_its_lead(core: Any, enquiry: dict[str, Any]) -> None:
    _, lead, _ = await core.post_lead(enquiry)
    departure = await new_departure(core, 5)
    b = await booked(core, departure["id"], 2, lead_id=lead["lead"]["id"])
    assert b["lead_id"] == lead["lead"]["id"]
    status, _ = await core.get(f"/v1/bookings/{b['id']}", tenant="another-operator")
    assert status == 404


async def test_a_manager_may_override_capacity_and_it_is_recorded(core: Any) -> None:
    departure = await new_departure(core, 2)
    await booked(core, departure["id"], 2)
    manager = await core.scalar("SELECT id::text FROM staff WHERE phone = :p", p=MANAGER_PHONE)
    async with core.capture(HOLD_PLACED, HELD) as captured:
        b = await booked(core, departure["id"], 2, override=True, actor=MANAGER_PHONE)
        assert b["hold"]["override"] is True
        assert b["hold"]["overridden_by"] == manager
        placed = await event_of(captured, HOLD_PLACED, booking_id=b["id"])
        assert (placed.data["override"], placed.data["overridden_by"]) == (True, manager)
        held = await event_of(captured, HELD, booking_id=b["id"])
        assert held.data["hold_override"] is True
    assert (
        await core.scalar("SELECT overridden_by::text FROM holds WHERE booking_id = :b", b=b["id"])
        == manager
    )
    s = await seats(core, departure["id"])
    assert (s["held"], s["available"]) == (4, 0)
    # by staff id too; a manager's override request that fits is an ordinary hold
    bigger = await new_departure(core, 5)
    ordinary = await booked(core, bigger["id"], 1, override=True, actor=manager)
    assert (ordinary["hold"]["override"], ordinary["hold"]["overridden_by"]) == (False, None)


@pytest.mark.parametrize("actor", [SALES_PHONE, None, "+447700900999", "not-staff"])
async def test_anyone_but_a_manager_is_refused_an_override(core: Any, actor: str | None) -> None:
    departure = await new_departure(core, 2)
    await booked(core, departure["id"], 2)
    status, err = await book(core, departure["id"], 1, override=True, actor=actor)
    assert (status, err["error"]["code"]) == (403, "OVERRIDE_NOT_ALLOWED")
    assert (await seats(core, departure["id"]))["held"] == 2


async def test_an_inactive_manager_cannot_override(core: Any) -> None:
    departure = await new_departure(core, 1)
    await booked(core, departure["id"], 1)
    async with core.runtime.engine.begin() as conn:
        await conn.execute(
            text("UPDATE staff SET active = false WHERE phone = :p"), {"p": MANAGER_PHONE}
        )
    status, err = await book(core, departure["id"], 1, override=True, actor=MANAGER_PHONE)
    assert (status, err["error"]["code"]) == (403, "OVERRIDE_NOT_ALLOWED")


async def test_the_lifecycle_through_the_seams(core: Any) -> None:
    """HELD → PAYMENT_PENDING → CONFIRMED → ACTIVE → COMPLETED, as sales and field drive it."""
    departure = await new_departure(core, 6)
    events = (
        "waops.booking.payment_pending.v1",
        "waops.booking.confirmed.v1",
        "waops.booking.activated.v1",
        "waops.booking.completed.v1",
    )
    async with core.capture(*events) as captured:
        b = await booked(core, departure["id"], 2, name="Asha")
        pending = await run_seam(core, seams.mark_payment_pending, b["id"])
        assert pending["state"] == "PAYMENT_PENDING"
        assert pending["hold"]["expires_at"] == b["hold"]["expires_at"]  # the hold still runs
        again = await run_seam(core, seams.mark_payment_pending, b["reference"])
        assert again["state"] == "PAYMENT_PENDING"  # idempotent: a second link

        paid = await run_seam(core, seams.confirm_paid_booking, b["id"])
        assert paid["state"] == "CONFIRMED"
        assert (paid["hold"]["status"], paid["hold"]["expires_at"]) == ("CONFIRMED", None)
        assert (await seats(core, departure["id"]))["confirmed"] == 2
        assert (await run_seam(core, seams.confirm_paid_booking, b["id"]))["state"] == "CONFIRMED"

        other = await booked(core, departure["id"], 1, phone=customer(9))  # unpaid: stays
        async with core.runtime.engine.connect() as conn:
            travellers = await seams.travellers_of_departure(conn, "demo", departure["id"])
        assert travellers == [
            {
                "booking_id": b["id"],
                "reference": b["reference"],
                "customer_phone": b["customer_phone"],
                "customer_name": "Asha",
                "pax": 2,
                "state": "CONFIRMED",
            }
        ]
        [active] = await run_seam(core, seams.activate_departure_bookings, departure["id"])
        assert (active["id"], active["state"]) == (b["id"], "ACTIVE")
        assert (await booking(core, other["id"]))["state"] == "HELD"
        [done] = await run_seam(core, seams.complete_departure_bookings, departure["id"])
        assert (done["id"], done["state"]) == (b["id"], "COMPLETED")
        assert await run_seam(core, seams.complete_departure_bookings, departure["id"]) == []

        for event_type, previous in zip(
            events, ("HELD", "PAYMENT_PENDING", "CONFIRMED", "ACTIVE"), strict=True
        ):
            [event] = await events_of(captured, event_type, 1, booking_id=b["id"])
            assert event.data["previous_state"] == previous
            assert event.data["customer_phone"] == b["customer_phone"]
            assert event.data["reference"] == b["reference"]
        await captured.settled()
        assert len([e for e in captured.of_type(events[0]) if e.data["booking_id"] == b["id"]]) == 1
    async with core.runtime.engine.connect() as conn:
        view = await seams.booking_view(conn, "demo", b["id"])
        assert view is not None and view["state"] == "COMPLETED"
        assert await seams.booking_view(conn, "another-operator", b["id"]) is None


async def test_hold_and_book_seam_refuses_without_writing(core: Any) -> None:
    departure = await new_departure(core, 1)
    made = await run_seam(
        core,
        lambda call: seams.hold_and_book(
            call,
            departure_id=departure["id"],
            pax=1,
            customer_phone="9779841200001",
            customer_name=None,
        ),
    )
    assert (made["state"], made["customer_phone"]) == ("HELD", "+9779841200001")
    async with core.runtime.engine.begin() as conn:
        from core.domain.errors import RuleViolation

        with pytest.raises(RuleViolation) as refused:
            await seams.hold_and_book(
                seam_call(core, conn),
                departure_id=departure["id"],
                pax=1,
                customer_phone=customer(2),
                customer_name="B",
            )
        assert refused.value.code == "NO_SEATS_LEFT"
        # the caller's transaction is clean: it can go on and commit
        count = (await conn.execute(text("SELECT count(*) FROM bookings"))).scalar_one()
    assert count == await core.scalar("SELECT count(*) FROM bookings")


@pytest.mark.parametrize(
    ("setup", "path", "refused_state"),
    [
        ("cancelled", "cancel", "CANCELLED"),
        ("active", "cancel", "ACTIVE"),
        ("completed", "cancel", "COMPLETED"),
        ("held", "confirm-offer", "HELD"),
        ("confirmed", "decline-offer", "CONFIRMED"),
    ],
)
async def test_disallowed_moves_over_http_are_refused(
    core: Any, setup: str, path: str, refused_state: str
) -> None:
    departure = await new_departure(core, 4)
    b = await booked(core, departure["id"], 1)
    if setup == "cancelled":
        assert (await core.send("POST", f"/v1/bookings/{b['id']}/cancel"))[0] == 200
    if setup in ("confirmed", "active", "completed"):
        await run_seam(core, seams.confirm_paid_booking, b["id"])
    if setup in ("active", "completed"):
        await run_seam(core, seams.activate_departure_bookings, departure["id"])
    if setup == "completed":
        await run_seam(core, seams.complete_departure_bookings, departure["id"])
    status, err = await core.send("POST", f"/v1/bookings/{b['reference']}/{path}")
    assert (status, err["error"]["code"]) == (409, "BOOKING_INVALID_TRANSITION"), err
    assert err["error"]["details"]["state"] == refused_state
    assert (await booking(core, b["id"]))["state"] == refused_state


@pytest.mark.parametrize(
    ("state", "seam"),
    [
        ("CONFIRMED", seams.mark_payment_pending),
        ("CANCELLED", seams.mark_payment_pending),
        ("CANCELLED", seams.confirm_paid_booking),
        ("WAITLISTED", seams.confirm_paid_booking),
        ("WAITLISTED", seams.mark_payment_pending),
    ],
)
async def test_disallowed_moves_through_the_seams_are_refused(
    core: Any, state: str, seam: Any
) -> None:
    from core.domain.errors import RuleViolation

    departure = await new_departure(core, 1)
    b = await booked(core, departure["id"], 1)
    if state == "CONFIRMED":
        await run_seam(core, seams.confirm_paid_booking, b["id"])
    if state == "CANCELLED":
        await core.send("POST", f"/v1/bookings/{b['id']}/cancel")
    if state == "WAITLISTED":
        b = (await book(core, departure["id"], 1, phone=customer(5), waitlist=True))[1]["booking"]
        assert b["state"] == "WAITLISTED"
    with pytest.raises(RuleViolation) as refused:
        await run_seam(core, seam, b["id"])
    assert refused.value.code == "BOOKING_INVALID_TRANSITION"
    assert (await booking(core, b["id"]))["state"] == state
    with pytest.raises(Exception) as missing:
        await run_seam(core, seam, str(uuid.uuid4()))
    assert getattr(missing.value, "code", None) == "BOOKING_NOT_FOUND"


async def test_cancelling_frees_the_seats(core: Any) -> None:
    departure = await new_departure(core, 3)
    held = await booked(core, departure["id"], 2)
    paid = await booked(core, departure["id"], 1, phone=customer(7))
    await run_seam(core, seams.confirm_paid_booking, paid["id"])
    async with core.capture("waops.hold.released.v1", "waops.booking.cancelled.v1") as captured:
        for b in (held, paid):
            status, body = await core.send("POST", f"/v1/bookings/{b['id']}/cancel")
            assert status == 200, body
            assert (body["booking"]["state"], body["booking"]["cancel_reason"]) == (
                "CANCELLED",
                "REQUESTED",
            )
            assert body["booking"]["hold"]["status"] == "RELEASED"
        released = await event_of(captured, "waops.hold.released.v1", booking_id=held["id"])
        assert (released.data["reason"], released.data["available"]) == ("REQUESTED", 2)
        cancelled = await event_of(captured, "waops.booking.cancelled.v1", booking_id=paid["id"])
        assert (cancelled.data["previous_state"], cancelled.data["cancel_reason"]) == (
            "CONFIRMED",
            "REQUESTED",
        )
    assert (await seats(core, departure["id"]))["available"] == 3


async def test_an_unpaid_hold_expires_and_frees_its_seats(core: Any) -> None:
    departure = await new_departure(core, 4)
    unpaid = await booked(core, departure["id"], 2)
    pending = await booked(core, departure["id"], 1, phone=customer(3))
    await run_seam(core, seams.mark_payment_pending, pending["id"])
    paid = await booked(core, departure["id"], 1, phone=customer(4))
    await run_seam(core, seams.confirm_paid_booking, paid["id"])
    assert (await book(core, departure["id"], 1, phone=customer(5)))[0] == 409  # full

    core.deps.clock.advance(timedelta(hours=23, minutes=59))
    assert (await core.deps.sweeper.run_once())["holds.expire"] == 0
    async with core.capture("waops.hold.expired.v1", "waops.booking.cancelled.v1") as captured:
        core.deps.clock.advance(timedelta(minutes=2))
        handled = await core.deps.sweeper.run_once()
        assert handled["holds.expire"] >= 2  # the demo's unpaid holds expire too
        for b, previous in ((unpaid, "HELD"), (pending, "PAYMENT_PENDING")):
            after = await booking(core, b["id"])
            assert (after["state"], after["cancel_reason"]) == ("CANCELLED", "HOLD_EXPIRED")
            assert after["hold"]["status"] == "EXPIRED"
            expired = await event_of(captured, "waops.hold.expired.v1", booking_id=b["id"])
            assert expired.data["reason"] == "HOLD_EXPIRED"
            cancelled = await event_of(captured, "waops.booking.cancelled.v1", booking_id=b["id"])
            assert cancelled.data["previous_state"] == previous
            assert cancelled.data["customer_phone"] == b["customer_phone"]
    assert (await booking(core, paid["id"]))["state"] == "CONFIRMED"  # paid seats never expire
    assert await seats(core, departure["id"]) == {
        "capacity": 4,
        "held": 0,
        "confirmed": 1,
        "reserved": 0,
        "available": 3,
        "waitlist": 0,
    }
    assert (await core.deps.sweeper.run_once())["holds.expire"] == 0  # nothing twice
    late = await run_seam_refusal(core, seams.confirm_paid_booking, unpaid["id"])
    assert late == "BOOKING_INVALID_TRANSITION"  # paid too late: the payments' refund case


async def run_seam_refusal(core: Any, seam: Any, *args: Any) -> str:
    try:
        await run_seam(core, seam, *args)
    except Exception as exc:  # a DomainError
        return str(getattr(exc, "code", exc))
    raise AssertionError("the seam accepted")


async def test_a_payment_before_the_sweep_still_confirms(core: Any) -> None:
    departure = await new_departure(core, 2)
    b = await booked(core, departure["id"], 2)
    core.deps.clock.advance(timedelta(hours=25))
    paid = await run_seam(core, seams.confirm_paid_booking, b["id"])
    assert paid["state"] == "CONFIRMED"
    await core.deps.sweeper.run_once()
    assert (await booking(core, b["id"]))["state"] == "CONFIRMED"
