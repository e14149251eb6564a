"""Customer and sales commands from conversations, executed against the REAL core."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from waops_testing.services import service_db

sys.path.insert(0, str(Path(__file__).parent))  # the tests' shared helpers (importlib mode)
from orchestrator_stack import (
    GUIDE,
    MANAGER,
    OPERATIONS,
    SALES,
    Stack,
    a_customer,
    rejected,
    succeeded,
)

pytestmark = pytest.mark.integration


async def quoted_lead(stack: Stack, customer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A PKR lead of ``customer`` with a quote for a new departure (sent by Sita, sales)."""
    lead = await stack.lead(customer)
    departure = await stack.departure("PKR")
    sent = succeeded(
        await stack.ask(
            "SendQuote",
            SALES,
            {"lead_id": lead["id"], "departure_id": departure["id"], "discount_percent": "5"},
        )
    )
    assert sent["object"] == {"type": "LEAD", "id": lead["id"], "reference": lead["reference"]}
    assert sent["result"]["state"] == "QUOTED"
    assert sent["result"]["departure_start"] == departure["start_date"]
    return lead, departure


async def test_a_customer_accepts_their_own_quote_and_only_theirs(stack: Stack) -> None:
    customer = a_customer()
    lead, departure = await quoted_lead(stack, customer)
    accepted = succeeded(await stack.ask("AcceptQuote", customer, {"lead_id": lead["id"]}))
    rep = lead["assigned_to"]
    result = accepted["result"]
    assert {k: result[k] for k in ("lead_reference", "tour_name", "pax", "rep_name")} == {
        "lead_reference": lead["reference"],
        "tour_name": "Pokhara Sightseeing",
        "pax": 2,
        "rep_name": rep["name"],
    }
    assert (result["rep_phone"], result["departure_id"]) == (rep["phone"], departure["id"])
    assert accepted["object"]["type"] == "LEAD"

    other = await stack.ask("AcceptQuote", a_customer(), {"lead_id": lead["id"]})
    assert (
        rejected(other, "NOT_YOUR_LEAD")
        == f"Sorry, the enquiry {lead['reference']} isn't one of yours."
    )

    fresh = await stack.lead(customer)
    reason = rejected(
        await stack.ask("AcceptQuote", customer, {"lead_id": fresh["id"]}), "NO_QUOTE"
    )
    assert fresh["reference"] in reason
    # Nothing changed in the core: the rep converts the lead from the back office.
    assert (await stack.core_get(f"/v1/leads/{lead['id']}"))["lead"]["state"] == "QUOTED"


async def test_convert_lead_holds_the_seats_and_sends_the_payment_link(stack: Stack) -> None:
    customer = a_customer()
    lead, departure = await quoted_lead(stack, customer)
    env = await stack.ask(
        "ConvertLead",
        SALES,
        {"lead_id": lead["id"], "departure_id": departure["id"], "payment_kind": "DEPOSIT"},
    )
    done = succeeded(env)
    booking = (await stack.core_get(f"/v1/bookings/{done['object']['id']}"))["booking"]
    assert done["object"] == {
        "type": "BOOKING",
        "id": booking["id"],
        "reference": booking["reference"],
    }
    result = done["result"]
    assert (result["booking_reference"], result["lead_reference"]) == (
        booking["reference"],
        lead["reference"],
    )
    assert result["state"] == booking["state"] == "PAYMENT_PENDING"
    assert result["payment_link"]["kind"] == "DEPOSIT"
    account = await stack.core_get(f"/v1/bookings/{booking['id']}/payments")
    assert (result["total"], result["deposit"]) == (account["total"], account["deposit"])
    assert result["payment_link"]["amount"] == account["deposit"]
    assert "/_sandbox/pay/" in result["payment_link"]["url"]
    assert booking["customer_phone"] == customer
    assert (await stack.core_get(f"/v1/leads/{lead['id']}"))["lead"]["state"] == "WON"
    # Two changes in the core, each under its own step key of the command.
    async with service_db(stack.iso, "core") as core_db:
        keys = await core_db.fetch(
            "SELECT key FROM idempotency_keys WHERE key LIKE $1 ORDER BY key",
            env.data["command_id"] + "%",
        )
    cid = env.data["command_id"]
    assert [k["key"] for k in keys] == [f"{cid}:convert", f"{cid}:payment-link"]


async def test_a_manager_only_override_is_the_core_s_refusal(stack: Stack) -> None:
    lead, departure = await quoted_lead(stack, a_customer())
    args = {"lead_id": lead["id"], "departure_id": departure["id"], "override": True}
    # Sales may convert, but holding beyond capacity is a manager's: the core says no.
    env = await stack.ask("ConvertLead", SALES, args)
    assert rejected(env, "OVERRIDE_NOT_ALLOWED") == (
        "Sorry, only a manager can hold seats beyond capacity."
    )
    succeeded(await stack.ask("ConvertLead", MANAGER, args))


async def test_joining_the_waitlist_of_a_full_departure(stack: Stack) -> None:
    departures = (await stack.core_get("/v1/departures?tour=EBC&limit=50"))["items"]
    full = next(d for d in departures if d["seats"]["available"] == 0)
    customer = a_customer()
    done = succeeded(
        await stack.ask("JoinWaitlist", customer, {"departure_id": full["id"], "pax": 1})
    )
    result = done["result"]
    assert (result["state"], result["position"]) == ("WAITLISTED", 3)  # the demo has two before
    assert (result["tour_name"], result["start_date"]) == (
        "Everest Base Camp Trek",
        full["start_date"],
    )
    booking = (await stack.core_get(f"/v1/bookings/{result['booking_reference']}"))["booking"]
    assert booking["customer_phone"] == customer

    # Staff put a customer in line by naming them; without a customer it is refused.
    args = {"departure_id": full["id"], "pax": 2, "customer_phone": a_customer()}
    assert succeeded(await stack.ask("JoinWaitlist", SALES, args))["result"]["position"] == 4
    no_one = await stack.ask("JoinWaitlist", SALES, {"departure_id": full["id"], "pax": 2})
    rejected(no_one, "CUSTOMER_REQUIRED")


async def test_a_customer_checks_their_booking_and_not_someone_else_s(stack: Stack) -> None:
    customer = a_customer()
    departure = await stack.departure("PKR")
    booking = await stack.paid(departure["id"], customer, pax=2)
    for asking in (customer, SALES, OPERATIONS):
        reference = booking["reference"].replace("-", "").lower()  # as typed
        done = succeeded(await stack.ask("CheckBookingStatus", asking, {"reference": reference}))
        assert done["result"] == {
            "reference": booking["reference"],
            "state": "CONFIRMED",
            "tour_name": "Pokhara Sightseeing",
            "start_date": departure["start_date"],
            "pax": 2,
            "total": booking["total_amount"],
            "paid": booking["total_amount"],
            "balance": "0.00",
            "currency": "USD",
            "due_date": done["result"]["due_date"],
            "payment_status": "FULL_PAID",
        }
    other = await stack.ask("CheckBookingStatus", a_customer(), {"reference": booking["reference"]})
    assert rejected(other, "NOT_YOUR_BOOKING") == (
        f"Sorry, the booking {booking['reference']} isn't one of yours."
    )
    missing = await stack.ask("CheckBookingStatus", customer, {"reference": "PKR-9999999"})
    rejected(missing, "BOOKING_NOT_FOUND")


async def test_sales_send_payment_links_and_lose_leads_operations_may_not(
    stack: Stack,
) -> None:
    departure = await stack.departure("PKR")
    booking = await stack.booking(departure["id"], a_customer())
    done = succeeded(
        await stack.ask("SendPaymentLink", SALES, {"booking": booking["reference"], "kind": "full"})
    )
    assert done["object"] == {
        "type": "BOOKING",
        "id": booking["id"],
        "reference": booking["reference"],
    }
    assert (done["result"]["kind"], done["result"]["amount"]) == ("FULL", booking["total_amount"])

    lead = await stack.lead(a_customer())
    args = {"lead_id": lead["id"], "reason": "Booked with another agency"}
    rejected(await stack.ask("DeleteLead", OPERATIONS, args), "FORBIDDEN_ROLE")
    lost = succeeded(await stack.ask("DeleteLead", SALES, args))
    assert lost["result"] == {
        "lead_reference": lead["reference"],
        "state": "LOST",
        "reason": "Booked with another agency",
    }
    again = await stack.ask("DeleteLead", SALES, args)
    rejected(again, "LEAD_INVALID_TRANSITION")


async def test_a_customer_takes_the_seats_offered_to_them_and_only_theirs(stack: Stack) -> None:
    customer = a_customer()
    booking = await stack.offered(customer)
    entry = booking["waitlist"]["entry_id"]
    args = {"entry_id": entry, "booking_id": booking["id"]}
    other = await stack.ask("ConfirmWaitlistOffer", a_customer(), args)
    assert rejected(other, "NOT_YOUR_BOOKING") == (
        f"Sorry, the booking {booking['reference']} isn't one of yours."
    )
    wrong_entry = {**args, "entry_id": "5e6f7a8b-0000-4000-8000-0000000c0001"}
    rejected(await stack.ask("ConfirmWaitlistOffer", customer, wrong_entry), "OFFER_NOT_FOUND")

    done = succeeded(await stack.ask("ConfirmWaitlistOffer", customer, args))
    held = (await stack.core_get(f"/v1/bookings/{booking['id']}"))["booking"]
    assert held["state"] == "HELD" and held["waitlist"]["status"] == "CONFIRMED"
    assert done["object"] == {"type": "BOOKING", "id": held["id"], "reference": held["reference"]}
    assert done["result"] == {
        "booking_reference": held["reference"],
        "entry_id": entry,
        "tour_name": "Pokhara Sightseeing",
        "start_date": held["start_date"],
        "pax": 2,
        "state": "HELD",
        "hold_expires_at": held["hold"]["expires_at"],
    }
    # Answered already: the core's refusal, told politely.
    again = await stack.ask("ConfirmWaitlistOffer", customer, args)
    rejected(again, "BOOKING_INVALID_TRANSITION")


async def test_an_offer_is_found_from_its_entry_alone_and_may_be_declined(stack: Stack) -> None:
    customer = a_customer()
    booking = await stack.offered(customer)
    entry = booking["waitlist"]["entry_id"]
    # Another customer cannot find it by its entry: only their own bookings are searched.
    lost = await stack.ask("DeclineWaitlistOffer", a_customer(), {"entry_id": entry})
    assert rejected(lost, "OFFER_NOT_FOUND") == "Sorry, I couldn't find that offer of seats."

    done = succeeded(await stack.ask("DeclineWaitlistOffer", customer, {"entry_id": entry}))
    assert (done["result"]["booking_reference"], done["result"]["state"]) == (
        booking["reference"],
        "CANCELLED",
    )
    released = (await stack.core_get(f"/v1/bookings/{booking['id']}"))["booking"]
    assert (released["state"], released["cancel_reason"]) == ("CANCELLED", "OFFER_DECLINED")


async def test_office_staff_answer_an_offer_for_the_customer_field_staff_may_not(
    stack: Stack,
) -> None:
    booking = await stack.offered(a_customer())
    args = {"entry_id": booking["waitlist"]["entry_id"]}
    rejected(await stack.ask("ConfirmWaitlistOffer", GUIDE, args), "FORBIDDEN_ROLE")
    done = succeeded(await stack.ask("ConfirmWaitlistOffer", OPERATIONS, args))
    assert done["result"]["state"] == "HELD"
    # Still waiting in line, nothing offered yet: the core's NO_OPEN_OFFER, told politely.
    departure = await stack.departure("PKR", capacity=2)
    await stack.booking(departure["id"], a_customer(), pax=2)
    body = {"departure_id": departure["id"], "pax": 1, "customer_phone": a_customer()}
    waiting = (await stack.core_post("/v1/bookings", {**body, "waitlist": True}))["booking"]
    early = {"entry_id": waiting["waitlist"]["entry_id"], "booking_id": waiting["reference"]}
    reason = rejected(await stack.ask("DeclineWaitlistOffer", SALES, early), "NO_OPEN_OFFER")
    assert reason == "Sorry, there are no seats on offer for that booking now."


async def test_a_customer_asks_for_a_person_and_their_rep_is_named(stack: Stack) -> None:
    customer = a_customer()
    lead, departure = await quoted_lead(stack, customer)
    rep = lead["assigned_to"]
    text = "Can someone call me about the permits?"
    done = succeeded(
        await stack.ask("RequestHandoff", customer, {"lead_id": lead["id"], "text": text})
    )
    assert done["object"] == {"type": "LEAD", "id": lead["id"], "reference": lead["reference"]}
    assert done["result"] == {
        "reference": lead["reference"],
        "tour_name": "Pokhara Sightseeing",
        "text": text,
        "rep_name": rep["name"],
        "rep_phone": rep["phone"],
        "rep_user_id": rep["user_id"],
    }
    # About a booking converted from the lead: the booking is named, the lead's rep told.
    convert = {"lead_id": lead["id"], "departure_id": departure["id"]}
    booking = succeeded(await stack.ask("ConvertLead", SALES, convert))["object"]
    about_booking = succeeded(
        await stack.ask("RequestHandoff", customer, {"booking_id": booking["id"]})
    )
    assert about_booking["object"]["reference"] == booking["reference"]
    assert (about_booking["result"]["rep_name"], about_booking["result"]["text"]) == (
        rep["name"],
        None,
    )

    # Nothing known about them yet: no rep (the notifier tells the sales team).
    nobody = succeeded(await stack.ask("RequestHandoff", a_customer(), {}))
    assert nobody["object"] is None
    assert nobody["result"]["rep_name"] is None and nobody["result"]["reference"] is None

    stranger = a_customer()
    rejected(await stack.ask("RequestHandoff", stranger, {"lead_id": lead["id"]}), "NOT_YOUR_LEAD")
    theirs = await stack.ask("RequestHandoff", stranger, {"booking_id": booking["id"]})
    rejected(theirs, "NOT_YOUR_BOOKING")
    rejected(await stack.ask("RequestHandoff", SALES, {}), "FORBIDDEN_ROLE")
