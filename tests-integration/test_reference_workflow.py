"""The reference workflow end to end: enquiry → quote → hold → deposit → guide assigned →
check-in → incident → incident update → check-out → balance paid.

Everything goes through the real doors: the customer and the guide write through signed
webhooks (the sandbox phone), sales and operations act through the orchestrator's back-office
API, the payment through the gateway's signed webhook (the sandbox payment page), and every
message anyone receives is a provider call the sandbox recorded.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from waops_testing.poll import eventually
from waops_testing.system import StartSystem, System
from waops_testing.workflow import Parties, a_customer_phone, back_office, staff_member

pytestmark = pytest.mark.integration

ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"
OPERATIONS = "+9779800000003"  # Maya Gurung (demo)
GUIDE = "+9779800000004"  # Pemba Sherpa, guide (demo)
LEAD_REFERENCE = re.compile(r"\bEBC\d{7}\b")
LINK = re.compile(r"https?://\S+/_sandbox/pay/\S+")


async def state_of(system: System, path: str, key: str, wanted: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        status, body = await system.get_json("core", path)
        return body[key] if status == 200 and body[key]["state"] == wanted else None

    return await eventually(reached, timeout=30, what=f"{path} {wanted}")


async def pay(system: System, message: str) -> None:
    """The customer opens the link in the message and pays (the gateway's signed webhook)."""
    match = LINK.search(message)
    assert match, message
    async with system.http.post(match.group(0), json={}) as r:
        assert r.status == 200, await r.text()
        result = await r.json()
    assert all(d["status"] == 200 for d in result["deliveries"]), result


async def timeline(system: System, object_type: str, object_id: str) -> list[str]:
    status, body = await system.get_json("timeline", f"/v1/timeline/{object_type}/{object_id}")
    assert status == 200, body
    return [e["summary"] for e in body["entries"]]


async def eventually_contains(
    read: Callable[[], Awaitable[list[str]]], expected: list[str], what: str
) -> list[str]:
    """``read()`` once it holds entries starting with each of ``expected``, in that order."""

    seen: list[str] = []

    async def ordered() -> list[str] | None:
        seen[:] = await read()
        position = 0
        for entry in seen:
            if position < len(expected) and entry.startswith(expected[position]):
                position += 1
        return list(seen) if position == len(expected) else None

    try:
        return await eventually(ordered, timeout=30, what=what)
    except AssertionError as timed_out:
        raise AssertionError(f"{what}: expected {expected} in order, got {seen}") from timed_out


async def test_enquiry_to_trip_completion(start_system: StartSystem) -> None:
    system = await start_system()
    parties = Parties(system)
    customer = a_customer_phone()
    ops = await staff_member(system, OPERATIONS)
    guide = await staff_member(system, GUIDE)

    # 1. The enquiry: a lead, assigned; the customer gets its reference and the questions.
    await system.phone_says(customer, ENQUIRY)
    ack = await parties.receives(customer, "EBC", what="the enquiry acknowledgement")
    reference = LEAD_REFERENCE.search(ack)
    assert reference, ack
    assert "?" in ack, ack  # the follow-up questions
    [lead_id] = [e["object_id"] for e in await system.audited(customer, "SUCCEEDED")]
    status, body = await system.get_json("core", f"/v1/leads/{lead_id}")
    lead = body["lead"]
    assert lead["reference"] == reference.group(0)
    rep = lead["assigned_to"]
    assert rep and rep["phone"]
    await parties.receives(rep["phone"], reference.group(0), what="the rep told of the lead")
    status, conversation = await system.get_json(
        "conversation-engine", f"/v1/conversations/{lead['conversation_id']}"
    )
    assert status == 200, conversation
    bound = conversation["conversation"]["bound_object"]
    assert (bound["type"], bound["id"]) == ("LEAD", lead_id), conversation

    # 2. The rep quotes a departure: the customer receives the quote.
    status, body = await system.get_json("core", "/v1/departures?tour=EBC&limit=50")
    assert status == 200, body
    departure = next(d for d in body["items"] if d["seats"]["available"] >= 3)
    status, quoted = await back_office(
        system, rep["user_id"], f"/v1/leads/{lead_id}/quotes", {"departure_id": departure["id"]}
    )
    assert status in (200, 201), quoted
    quote_message = await parties.receives(customer, "quote", what="the quote")
    assert "yes" in quote_message.lower(), quote_message

    # 3. "Yes! Please hold the spots": the rep holds 3 seats and converts the lead.
    await system.phone_says(customer, "Yes! Please hold the spots")
    await parties.receives(rep["phone"], reference.group(0), what="the rep told of the yes")
    status, converted = await back_office(
        system,
        rep["user_id"],
        f"/v1/leads/{lead_id}/convert",
        {"departure_id": departure["id"], "payment_kind": "DEPOSIT"},
    )
    assert status in (200, 201), converted
    # HELD, then PAYMENT_PENDING as the link goes out (the core's booking machine); the
    # seats stay held until the hold expires.
    booking = await state_of(
        system, f"/v1/bookings/{converted['object']['id']}", "booking", "PAYMENT_PENDING"
    )
    assert booking["hold"] and booking["hold"]["expires_at"], booking
    held, link_message = await parties.receives_each(
        customer,
        (booking["reference"], "held until"),
        (booking["reference"], "/_sandbox/pay/"),
        what="the booking held and its payment link",
    )
    assert booking["pax"] == 3
    await state_of(system, f"/v1/leads/{lead_id}", "lead", "WON")
    for fact in ("deposit", "total"):
        assert fact in (held + link_message).lower(), (held, link_message)

    # 4. The deposit is paid: booking CONFIRMED, the customer told the balance and due date.
    await pay(system, link_message)
    await state_of(system, f"/v1/bookings/{booking['id']}", "booking", "CONFIRMED")
    confirmation = await parties.receives(customer, "balance", what="the confirmation")
    assert re.search(r"\d{4}|\d{1,2} \w{3}", confirmation), confirmation  # its due date

    # 5. Operations assigns the lead guide; the guide answers ACCEPT.
    status, assigned = await back_office(
        system,
        ops["id"],
        f"/v1/departures/{departure['id']}/assignments",
        {"staff_id": guide["id"], "role": "LEAD_GUIDE", "compensation_amount": "450.00"},
    )
    assert status in (200, 201), assigned
    offer = await parties.receives(GUIDE, "ACCEPT", what="the assignment offer")
    trip_ref = re.search(r"\bEBC-\d{6}\b", offer)
    assert trip_ref, offer
    await system.phone_says(GUIDE, "ACCEPT")
    await parties.receives(GUIDE, trip_ref.group(0), what="the acceptance confirmed")

    # 6. CHECKIN: trip STARTED; operations and every customer told, with the guide's name.
    await system.phone_says(GUIDE, f"CHECKIN {trip_ref.group(0)}")
    trip = await state_of(system, f"/v1/trips/{trip_ref.group(0)}", "trip", "STARTED")
    await parties.receives(OPERATIONS, trip_ref.group(0), "start", what="operations: started")
    await parties.receives(customer, "Pemba", what="the customer: trip started, guide named")

    # 7. ISSUE: an incident on the trip; operations alerted; the guide acknowledged.
    await system.phone_says(
        GUIDE, f"ISSUE {trip_ref.group(0)} Ram twisted his ankle near Namche, walking slowly"
    )
    alert = await parties.receives(OPERATIONS, "ankle", what="operations alerted")
    acknowledgement = await parties.receives(GUIDE, "HIGH", what="the guide's acknowledgement")
    assert system.stack.config.support_line in acknowledgement, acknowledgement
    assert "HIGH" in alert, alert

    async def the_incident() -> dict[str, Any] | None:
        status, body = await system.get_json("core", f"/v1/incidents?trip={trip['id']}")
        return body["items"][0] if status == 200 and body["items"] else None

    incident = await eventually(the_incident, what="the incident in the core")

    # 8. Operations updates the incident: the guide and the customer get the update.
    status, updated = await back_office(
        system,
        ops["id"],
        f"/v1/incidents/{incident['id']}/updates",
        {"text": "Porter arranged to carry Ram's pack to Dingboche", "state": "IN_PROGRESS"},
    )
    assert status in (200, 201), updated
    await parties.receives(GUIDE, "Porter arranged", what="the guide: the update")
    await parties.receives(customer, "Porter arranged", what="the customer: the update")

    # 9. CHECKOUT: trip ENDED, a payroll entry, the guide thanked, the customer asked for feedback.
    await system.phone_says(GUIDE, f"CHECKOUT {trip_ref.group(0)} All safe back in Lukla")
    await state_of(system, f"/v1/trips/{trip['id']}", "trip", "ENDED")
    await parties.receives(GUIDE, "checked out", "thank you", what="the guide thanked")
    await parties.receives(customer, "feedback", what="the customer asked for feedback")
    status, payroll = await system.get_json("core", f"/v1/payroll?staff={guide['id']}")
    assert status == 200 and [e["amount"] for e in payroll["items"]] == ["450.00"], payroll

    # 10. The balance is paid: FULL_PAID, and the booking COMPLETED.
    status, balance_link = await back_office(
        system, rep["user_id"], f"/v1/bookings/{booking['id']}/payment-links", {"kind": "BALANCE"}
    )
    assert status in (200, 201), balance_link
    balance_message = await parties.receives(
        customer, "/_sandbox/pay/", what="the balance payment link"
    )
    await pay(system, balance_message)
    await parties.receives(customer, "fully paid", what="the customer: fully paid")
    await state_of(system, f"/v1/bookings/{booking['id']}", "booking", "COMPLETED")
    status, account = await system.get_json("core", f"/v1/bookings/{booking['id']}/payments")
    assert (status, account["status"], account["balance"]) == (200, "FULL_PAID", "0.00"), account

    # The timelines of the lead, the booking and the trip, in order.
    await eventually_contains(
        lambda: timeline(system, "LEAD", lead_id),
        [
            f"Lead {lead['reference']} created",
            "Quote sent",
            "AcceptQuote by",
            f"Booking {booking['reference']} HELD",
            f"Lead {lead['reference']} won",
        ],
        "the lead's timeline",
    )
    assert f"Enquiry received: {ENQUIRY}" in await timeline(system, "LEAD", lead_id)
    await eventually_contains(
        lambda: timeline(system, "BOOKING", booking["id"]),
        [
            f"Booking {booking['reference']} HELD",
            f"Booking {booking['reference']} PAYMENT_PENDING",
            "Payment link for the deposit",
            f"Booking {booking['reference']} CONFIRMED",
            "Payment received",
            f"Booking {booking['reference']} ACTIVE",
            f"Booking {booking['reference']} COMPLETED",
            "Payment link for the balance",
            "Payment received",
            "Fully paid",
        ],
        "the booking's timeline",
    )
    await eventually_contains(
        lambda: timeline(system, "TRIP", trip["id"]),
        [
            "Pemba Sherpa offered work",
            "Pemba Sherpa accepted",
            f"Trip {trip_ref.group(0)} started by Pemba Sherpa",
            "Incident reported (HIGH",
            "Incident updated",
            f"Trip {trip_ref.group(0)} ended by Pemba Sherpa: All safe back in Lukla",
            "Payroll: Pemba Sherpa earned",
        ],
        "the trip's timeline",
    )

    # The audit trail: every command, by whom, and its outcome.
    by_customer = await system.audited(customer, "SUCCEEDED", 2)
    assert [e["command_name"] for e in by_customer] == ["CreateLead", "AcceptQuote"]
    by_guide = await system.audited(GUIDE, "SUCCEEDED", 4)
    assert [e["command_name"] for e in by_guide][-4:] == [
        "AcceptAssignment",
        "CheckIn",
        "ReportIncident",
        "CheckOut",
    ]
    office = await system.audit_entries(outcome="SUCCEEDED", limit="500")
    office_names = [e["command_name"] for e in office if (e.get("actor") or {}).get("user_id")]
    for name in ("SendQuote", "ConvertLead", "AssignStaff", "UpdateIncident", "SendPaymentLink"):
        assert name in office_names, office_names
    status, verify = await system.get_json("audit", "/v1/audit/verify")
    assert status == 200 and verify["ok"] is True, verify
