"""Two shorter conversations through the real doors: a waitlisted customer takes freed seats
by answering YES, and a customer asks to talk to the team, which reaches their sales rep."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from waops_testing.poll import eventually
from waops_testing.system import StartSystem, System
from waops_testing.workflow import Parties, a_customer_phone

pytestmark = pytest.mark.integration

LENA = "+4915123456789"  # the demo's paid booking on the full Everest departure
TOM = "+447700900123"  # first in that departure's waitlist


async def bookings_of(system: System, phone: str) -> list[dict[str, Any]]:
    q = urllib.parse.urlencode({"customer_phone": phone})
    status, body = await system.get_json("core", f"/v1/bookings?{q}")
    assert status == 200, body
    return list(body["items"])


async def test_a_waitlisted_customer_takes_the_freed_seats_by_answering_yes(
    start_system: StartSystem,
) -> None:
    system = await start_system()
    parties = Parties(system)
    [lena] = await bookings_of(system, LENA)
    [tom] = await bookings_of(system, TOM)
    assert tom["state"] == "WAITLISTED", tom

    async with system.http.post(
        system.url("core") + f"/v1/bookings/{lena['id']}/cancel",
        json={},
        headers={"X-Waops-Tenant": "demo", "Idempotency-Key": "cancel-lena"},
    ) as r:
        assert r.status == 200, await r.text()

    offer = await parties.receives(TOM, "YES", what="Tom offered the freed seats")
    assert tom["tour_name"] in offer or "Everest" in offer, offer
    await system.phone_says(TOM, "Yes please!")

    async def held() -> dict[str, Any] | None:
        [now] = await bookings_of(system, TOM)
        return now if now["state"] == "HELD" else None

    booking = await eventually(held, timeout=30, what="Tom's booking HELD")
    await parties.receives(
        TOM, booking["reference"], "held until", what="Tom told the seats are his"
    )
    confirmed = await system.audited(TOM, "SUCCEEDED")
    assert [e["command_name"] for e in confirmed] == ["ConfirmWaitlistOffer"]


async def test_talk_to_our_team_reaches_the_customers_sales_rep(
    start_system: StartSystem,
) -> None:
    system = await start_system()
    parties = Parties(system)
    customer = a_customer_phone()
    await system.phone_says(customer, "Annapurna Circuit for 2 people in April 2027")
    ack = await parties.receives(customer, "reference", what="the enquiry acknowledged")
    [lead_id] = [e["object_id"] for e in await system.audited(customer, "SUCCEEDED")]
    status, body = await system.get_json("core", f"/v1/leads/{lead_id}")
    assert status == 200, body
    rep = body["lead"]["assigned_to"]
    assert rep["name"] in ack, ack

    await system.phone_says(customer, "menu")
    await parties.receives(customer, "3", what="the menu")
    await system.phone_says(customer, "3")
    told = await parties.receives(
        rep["phone"], customer, "asked to talk", what="the rep asked to get in touch"
    )
    assert body["lead"]["reference"] in told, told
    await parties.receives(
        customer, rep["name"], "get back to you", what="the customer told who will call"
    )
    handoffs = await system.audited(customer, "SUCCEEDED", 2)
    assert [e["command_name"] for e in handoffs] == ["CreateLead", "RequestHandoff"]
