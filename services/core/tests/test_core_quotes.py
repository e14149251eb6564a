"""Quotes and conversion over HTTP: quote.sent carries what the customer's message needs,
a lead converts into a HELD booking at the quoted price, refusals change nothing."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from inventory_support import booked, future_start, new_departure
from sales_support import SALES_REP, account, move, new_lead, quote

pytestmark = pytest.mark.integration


async def departure_in(core: Any, days: int, capacity: int = 12, **kw: Any) -> dict[str, Any]:
    """A new EBC departure about ``days`` away (the next free day: the demo has some)."""
    for day in range(days, days + 10):
        body = {"start_date": future_start(day), "capacity": capacity, **kw}
        status, answer = await core.send("POST", "/v1/tours/EBC/departures", body)
        if status != 409:
            break
    assert status == 201, answer
    return dict(answer["departure"])


async def test_a_quote_is_priced_stored_and_sent_with_everything_to_message_the_customer(
    core: Any, enquiry: dict[str, Any]
) -> None:
    lead = await new_lead(core, enquiry)
    far = await departure_in(core, 200)  # early bird (default: 10% beyond 90 days)
    async with core.capture("waops.quote.sent.v1", "waops.lead.quoted.v1") as captured:
        sent = await quote(core, lead["id"], far["id"], discount_percent="5")
        q = sent["quote"]
        assert sent["lead"]["state"] == "QUOTED"  # straight from NEW
        assert (q["pax"], q["price_per_person"], q["subtotal"]) == (3, "1450.00", "4350.00")
        assert [(d["kind"], d["amount"]) for d in q["discounts"]] == [
            ("EARLY_BIRD", "435.00"),
            ("REP_DISCOUNT", "217.50"),
        ]
        assert (q["discount_total"], q["total"], q["currency"]) == ("652.50", "3697.50", "USD")
        assert q["sent_by"] == SALES_REP
        assert q["departure_start"] == far["start_date"]

        [event] = await captured.wait_for("waops.quote.sent.v1")
        data = event.data
        assert event.subject == f"LEAD/{lead['id']}"
        assert data["quote_id"] == q["id"]
        assert data["reference"] == lead["reference"]
        assert (data["tour_name"], data["departure_start"], data["departure_end"]) == (
            "Everest Base Camp Trek",
            far["start_date"],
            far["end_date"],
        )
        assert (data["pax"], data["price_per_person"], data["total"]) == (3, "1450.00", "3697.50")
        assert [d["kind"] for d in data["discounts"]] == ["EARLY_BIRD", "REP_DISCOUNT"]
        assert data["valid_until"] == q["valid_until"]
        assert (data["customer_phone"], data["customer_name"]) == ("+9779841234567", "Asha")
        assert data["sales_rep"] == lead["assigned_to"]
        [quoted] = await captured.wait_for("waops.lead.quoted.v1")
        assert (quoted.data["previous_state"], quoted.data["total"]) == ("NEW", "3697.50")

    near = await departure_in(core, 30, price_per_person="1000")  # override, no early bird
    again = await quote(core, lead["id"], near["id"], pax=2)
    assert again["lead"]["state"] == "QUOTED"  # a quoted lead can be quoted again
    assert (again["quote"]["subtotal"], again["quote"]["discounts"]) == ("2000.00", [])
    _, listed = await core.get(f"/v1/leads/{lead['id']}/quotes")
    assert [x["id"] for x in listed["items"]] == [again["quote"]["id"], q["id"]]


async def test_validity_defaults_to_seven_days_and_per_tour_early_bird_wins(
    core: Any, enquiry: dict[str, Any]
) -> None:
    async with core.runtime.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE tours SET early_bird_percent = 20, early_bird_days = 20 WHERE code = 'EBC'"
            )
        )
    lead = await new_lead(core, enquiry, pax=1)
    dep = await departure_in(core, 40)
    before = core.deps.clock.now()
    q = (await quote(core, lead["id"], dep["id"]))["quote"]
    assert q["discounts"][0]["amount"] == "290.00"  # 20% of 1450
    valid_until = datetime.fromisoformat(q["valid_until"])
    assert timedelta(days=7) <= valid_until - before < timedelta(days=7, minutes=1)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"discount_percent": "16"}, 422, "REP_DISCOUNT_TOO_LARGE"),
        ({"discount_amount": "1000"}, 422, "REP_DISCOUNT_TOO_LARGE"),
        ({"discount_percent": "101"}, 400, "INVALID_REQUEST"),
        ({"discount_amount": "-1"}, 400, "INVALID_REQUEST"),
        ({"pax": 0}, 400, "INVALID_REQUEST"),
        ({"departure_id": "nope"}, 404, "DEPARTURE_NOT_FOUND"),
        ({"departure_id": str(uuid.uuid4())}, 404, "DEPARTURE_NOT_FOUND"),
        ({"departure_id": "ANC"}, 422, "DEPARTURE_OF_ANOTHER_TOUR"),
    ],
)
async def test_bad_quotes_are_refused_and_change_nothing(
    core: Any, enquiry: dict[str, Any], body: dict[str, Any], status: int, code: str
) -> None:
    lead = await new_lead(core, enquiry)
    if body.get("departure_id") == "ANC":
        anc = await new_departure(core, 12, tour="ANC")
        body = {**body, "departure_id": anc["id"]}
    dep = await departure_in(core, 100)
    got, err = await move(core, lead["id"], "quotes", {"departure_id": dep["id"], **body})
    assert (got, err["error"]["code"]) == (status, code), err
    assert await core.scalar("SELECT count(*) FROM quotes") == 0
    assert (await core.get(f"/v1/leads/{lead['id']}"))[1]["lead"]["state"] == "NEW"


async def test_a_closed_departure_cannot_be_quoted(core: Any, enquiry: dict[str, Any]) -> None:
    lead = await new_lead(core, enquiry)
    dep = await departure_in(core, 100)
    assert (await core.send("POST", f"/v1/departures/{dep['id']}/close"))[0] == 200
    status, err = await move(core, lead["id"], "quotes", {"departure_id": dep["id"]})
    assert (status, err["error"]["code"]) == (409, "DEPARTURE_CLOSED")


async def test_conversion_holds_seats_at_the_quoted_price_and_wins_the_lead(
    core: Any, enquiry: dict[str, Any]
) -> None:
    lead = await new_lead(core, enquiry)
    dep = await departure_in(core, 200)
    q = (await quote(core, lead["id"], dep["id"]))["quote"]
    kinds = ("waops.lead.won.v1", "waops.booking.held.v1")
    async with core.capture(*kinds) as captured:
        status, answer = await move(
            core, lead["id"], "convert", {"departure_id": dep["id"]}, key="convert-1"
        )
        assert status == 201, answer
        won, booking = answer["lead"], answer["booking"]
        assert (won["state"], won["booking_id"]) == ("WON", booking["id"])
        assert answer["quote_id"] == q["id"]  # the newest valid quote for that departure
        assert (booking["state"], booking["pax"], booking["lead_id"]) == ("HELD", 3, lead["id"])
        assert booking["customer_phone"] == lead["customer_phone"]
        assert booking["hold"]["expires_at"] is not None

        [event] = await captured.wait_for("waops.lead.won.v1")
        assert (event.data["booking_id"], event.data["booking_reference"]) == (
            booking["id"],
            booking["reference"],
        )
        assert event.data["departure_start"] == dep["start_date"]
        [held] = await captured.wait_for("waops.booking.held.v1")
        assert held.data["lead_id"] == lead["id"]

    # The account owes the quoted total (early bird included), deposit 30% of it.
    acct = await account(core, booking["id"])
    assert (acct["total"], acct["deposit"], acct["quote_id"]) == ("3915.00", "1174.50", q["id"])
    replay = await move(core, lead["id"], "convert", {"departure_id": dep["id"]}, key="convert-1")
    assert replay == (201, answer)
    assert await core.scalar("SELECT count(*) FROM bookings WHERE lead_id = :l", l=lead["id"]) == 1
    status, err = await move(core, lead["id"], "convert", {"departure_id": dep["id"]})
    assert (status, err["error"]["code"]) == (409, "LEAD_INVALID_TRANSITION")


async def test_no_seats_left_passes_through_and_leaves_the_lead_open(
    core: Any, enquiry: dict[str, Any]
) -> None:
    dep = await departure_in(core, 60, capacity=3)
    await booked(core, dep["id"], 2)
    lead = await new_lead(core, enquiry)  # 3 pax, 1 seat left
    await move(core, lead["id"], "qualify")
    outbox = await core.scalar("SELECT count(*) FROM outbox")
    status, err = await move(core, lead["id"], "convert", {"departure_id": dep["id"]})
    assert (status, err["error"]["code"]) == (409, "NO_SEATS_LEFT")
    assert err["error"]["details"]["availability"]["available"] == 1
    assert (await core.get(f"/v1/leads/{lead['id']}"))[1]["lead"]["state"] == "QUALIFIED"
    assert await core.scalar("SELECT count(*) FROM outbox") == outbox
    assert await core.scalar("SELECT count(*) FROM booking_accounts") == 0


async def test_an_expired_or_foreign_quote_is_refused(core: Any, enquiry: dict[str, Any]) -> None:
    lead = await new_lead(core, enquiry)
    dep, other = await departure_in(core, 200), await departure_in(core, 210)
    q = (await quote(core, lead["id"], dep["id"]))["quote"]
    for body, status, code in (
        ({"departure_id": other["id"], "quote_id": q["id"]}, 422, "QUOTE_OF_ANOTHER_DEPARTURE"),
        ({"departure_id": dep["id"], "quote_id": str(uuid.uuid4())}, 404, "QUOTE_NOT_FOUND"),
        ({"departure_id": dep["id"], "quote_id": "x"}, 404, "QUOTE_NOT_FOUND"),
    ):
        got, err = await move(core, lead["id"], "convert", body)
        assert (got, err["error"]["code"]) == (status, code)
    core.deps.clock.advance(timedelta(days=8))
    got, err = await move(
        core, lead["id"], "convert", {"departure_id": dep["id"], "quote_id": q["id"]}
    )
    assert (got, err["error"]["code"]) == (409, "QUOTE_EXPIRED")
    # Without naming it, an expired quote is simply not used: the list price applies.
    got, answer = await move(core, lead["id"], "convert", {"departure_id": dep["id"]})
    assert got == 201, answer
    assert answer["quote_id"] is None
    acct = await account(core, answer["booking"]["id"])
    assert acct["total"] == answer["booking"]["total_amount"] == "4350.00"
