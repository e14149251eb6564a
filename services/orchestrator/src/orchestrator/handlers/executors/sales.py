"""Customers and the sales pipeline: enquiries, quotes, conversions, the waitlist and its
offers, payment links, and a customer asking for a person."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orchestrator.adapters.core_client import CoreRefused
from orchestrator.domain.commands import (
    BookingStatusArgs,
    ConvertLeadArgs,
    CreateLeadArgs,
    DeleteLeadArgs,
    HandoffArgs,
    JoinWaitlistArgs,
    LeadArgs,
    PaymentLinkArgs,
    SendQuoteArgs,
    WaitlistOfferArgs,
)
from orchestrator.domain.core_refusals import core_refusal
from orchestrator.domain.permissions import CUSTOMER, Refused, refuse
from orchestrator.handlers.executors.run import (
    Outcome,
    Run,
    booking_facts,
    field_of,
    lead_facts,
    ref,
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def _lead(run: Run, lead_id: str) -> dict[str, Any]:
    return field_of(await run.get("/v1/leads/{lead}", lead=lead_id), "lead")


async def create_lead(run: Run) -> Outcome:
    a = run.args(CreateLeadArgs)
    # A customer's lead is always their own; staff may register one for a customer's phone.
    phone, name = run.actor.phone, run.actor.name
    if run.actor.role != CUSTOMER and a.customer_phone:
        phone, name = a.customer_phone, a.customer_name
    command = run.command
    body = {
        "tour_code": a.tour_code,
        "pax": a.pax,
        "travel_month": a.travel_month,
        "travel_date": a.travel_date.isoformat() if a.travel_date else None,
        "customer_phone": phone,
        "customer_name": name,
        "conversation_id": command.conversation_id,
        "channel_id": command.channel_id,
        "enquiry_text": command.source_text,
    }
    lead = field_of(await run.post("/v1/leads", body), "lead")
    result: dict[str, Any] = {"state": lead["state"]}
    if lead.get("assigned_to"):
        result["assigned_to"] = lead["assigned_to"]
    return Outcome(ref("LEAD", lead), result)


def _not_quoted(lead: dict[str, Any], rep_name: str) -> Refused:
    reference = lead["reference"]
    if lead["state"] == "WON":
        return refuse("ALREADY_BOOKED", f"Your enquiry {reference} is already booked.", 409)
    if lead["state"] == "LOST":
        return refuse(
            "LEAD_CLOSED",
            f"Sorry, your enquiry {reference} is closed; send us a message to start again.",
            409,
        )
    return refuse(
        "NO_QUOTE",
        f"There's no quote to accept yet for {reference}; {rep_name} will send one.",
        409,
    )


async def accept_quote(run: Run) -> Outcome:
    """The customer says yes to their quote. Nothing changes in the core yet: the result
    tells the customer their rep will hold the seats, and gives the notifier the rep to
    tell (the rep converts the lead from the back office: ConvertLead)."""
    a = run.args(LeadArgs)
    lead = await _lead(run, a.lead_id)
    run.guard(lead_facts(lead))
    rep = lead.get("assigned_to") or {}
    rep_name = rep.get("name") or "your sales rep"
    if lead["state"] != "QUOTED":
        raise _not_quoted(lead, rep_name)
    quotes = (await run.get("/v1/leads/{lead}/quotes", lead=lead["id"]))["items"]  # newest first
    now = datetime.now(UTC)
    quote = next((q for q in quotes if datetime.fromisoformat(q["valid_until"]) > now), None)
    if quote is None:
        raise refuse(
            "QUOTE_EXPIRED", f"Sorry, your quote has expired; {rep_name} will send a new one.", 409
        )
    return Outcome(
        ref("LEAD", lead),
        {
            "lead_reference": lead["reference"],
            "tour_name": quote["tour_name"],
            "pax": quote["pax"],
            "rep_name": rep.get("name"),
            "rep_phone": rep.get("phone"),
            "rep_user_id": rep.get("user_id"),
            "quote_id": quote["id"],
            "departure_id": quote["departure_id"],
            "departure_start": quote["departure_start"],
            "total": quote["total"],
            "currency": quote["currency"],
        },
    )


async def join_waitlist(run: Run) -> Outcome:
    """A place in line for a full departure (with seats free, the core holds them instead)."""
    a = run.args(JoinWaitlistArgs)
    lead = None
    if a.lead_id:
        lead = await _lead(run, a.lead_id)
        run.guard(lead_facts(lead))
    phone, name = run.actor.phone, run.actor.name
    if run.actor.role != CUSTOMER:
        if lead is not None:
            phone, name = lead["customer_phone"], lead["customer_name"]
        elif a.customer_phone:
            phone, name = a.customer_phone, a.customer_name
        else:
            raise refuse(
                "CUSTOMER_REQUIRED",
                "Sorry, say whose place it is: the customer's phone or their enquiry.",
                422,
            )
    body = {
        "departure_id": a.departure_id,
        "pax": a.pax,
        "customer_phone": phone,
        "customer_name": name,
        "lead_id": lead["id"] if lead else None,
        "waitlist": True,
    }
    booking = field_of(await run.post("/v1/bookings", body), "booking")
    place = booking.get("waitlist") or {}
    return Outcome(
        ref("BOOKING", booking),
        {
            "booking_reference": booking["reference"],
            "position": place.get("position"),
            "tour_name": booking["tour_name"],
            "start_date": booking["start_date"],
            "pax": booking["pax"],
            "state": booking["state"],  # WAITLISTED, or HELD when seats were free after all
        },
    )


async def check_booking_status(run: Run) -> Outcome:
    a = run.args(BookingStatusArgs)
    booking = field_of(await run.get("/v1/bookings/{booking}", booking=a.reference), "booking")
    run.guard(booking_facts(booking))
    account = await run.get("/v1/bookings/{booking}/payments", booking=booking["id"])
    return Outcome(
        ref("BOOKING", booking),
        {
            "reference": booking["reference"],
            "state": booking["state"],
            "tour_name": booking["tour_name"],
            "start_date": booking["start_date"],
            "pax": booking["pax"],
            "total": account["total"],
            "paid": account["paid"],
            "balance": account["balance"],
            "currency": account["currency"],
            "due_date": account["due_date"],
            "payment_status": account["status"],
        },
    )


def _no_such_offer() -> Refused:
    return refuse("OFFER_NOT_FOUND", "Sorry, I couldn't find that offer of seats.", 404)


def _entry_of(booking: dict[str, Any]) -> str | None:
    return (booking.get("waitlist") or {}).get("entry_id")


async def _booking_of_entry(run: Run, entry_id: str) -> str:
    """The WAITLISTED booking (a customer's own, for a customer) whose place is ``entry_id``."""
    query: dict[str, str | int] = {"state": "WAITLISTED"}
    if run.actor.role == CUSTOMER:
        query["customer_phone"] = run.actor.phone
    for booking in await run.items("/v1/bookings", query):
        if _entry_of(booking) == entry_id:
            return str(booking["id"])
    raise _no_such_offer()


async def _offered_booking(run: Run) -> dict[str, Any]:
    """The booking holding the offer the args name (the core answers offers by booking).
    Found from the entry alone once per command: a redelivery, after the core already took
    the seats (no longer WAITLISTED), goes back to the same booking."""
    a = run.args(WaitlistOfferArgs)
    booking_id = a.booking_id or await run.pinned(
        "booking", lambda: _booking_of_entry(run, a.entry_id)
    )
    booking = field_of(await run.get("/v1/bookings/{booking}", booking=booking_id), "booking")
    run.guard(booking_facts(booking))
    if _entry_of(booking) != a.entry_id:
        raise _no_such_offer()
    return booking


def _offer_outcome(booking: dict[str, Any], **extra: Any) -> Outcome:
    return Outcome(
        ref("BOOKING", booking),
        {
            "booking_reference": booking["reference"],
            "entry_id": _entry_of(booking),
            "tour_name": booking["tour_name"],
            "start_date": booking["start_date"],
            "pax": booking["pax"],
            "state": booking["state"],
            **extra,
        },
    )


async def confirm_waitlist_offer(run: Run) -> Outcome:
    """The seats offered are taken: the booking holds them (HELD, with the usual expiry)."""
    booking = await _offered_booking(run)
    held = field_of(
        await run.post("/v1/bookings/{booking}/confirm-offer", {}, booking=booking["id"]),
        "booking",
    )
    return _offer_outcome(held, hold_expires_at=(held.get("hold") or {}).get("expires_at"))


async def decline_waitlist_offer(run: Run) -> Outcome:
    """The seats offered are let go: the booking is cancelled, the next in line offered."""
    booking = await _offered_booking(run)
    released = field_of(
        await run.post("/v1/bookings/{booking}/decline-offer", {}, booking=booking["id"]),
        "booking",
    )
    return _offer_outcome(released)


async def request_handoff(run: Run) -> Outcome:
    """The customer asks for a person. Nothing changes in the core: the result names who
    answers them, the sales rep of the lead they deal with (the booking's lead for a
    booking), or nobody (the notifier then tells every sales person)."""
    a = run.args(HandoffArgs)
    booking = lead = None
    if a.booking_id:
        booking = field_of(await run.get("/v1/bookings/{booking}", booking=a.booking_id), "booking")
        run.guard(booking_facts(booking))
    if a.lead_id:
        lead = await _lead(run, a.lead_id)
        run.guard(lead_facts(lead))
    elif booking is not None and booking.get("lead_id"):
        lead = await _lead(run, booking["lead_id"])  # the customer's through their booking
    about = booking or lead
    rep = (lead or {}).get("assigned_to") or {}
    return Outcome(
        ref("BOOKING" if booking else "LEAD", about) if about else None,
        {
            "reference": about["reference"] if about else None,
            "tour_name": about["tour_name"] if about else None,
            "text": a.text,
            "rep_name": rep.get("name"),
            "rep_phone": rep.get("phone"),
            "rep_user_id": rep.get("user_id"),
        },
    )


async def send_quote(run: Run) -> Outcome:
    a = run.args(SendQuoteArgs)
    body = {
        "departure_id": a.departure_id,
        "pax": a.pax,
        "discount_percent": _money(a.discount_percent),
        "discount_amount": _money(a.discount_amount),
    }
    answer = await run.post("/v1/leads/{lead}/quotes", body, lead=a.lead_id)
    quote, lead = field_of(answer, "quote"), field_of(answer, "lead")
    return Outcome(
        ref("LEAD", lead),
        {
            "lead_reference": lead["reference"],
            "state": lead["state"],
            "quote_id": quote["id"],
            "tour_name": quote["tour_name"],
            "departure_start": quote["departure_start"],
            "pax": quote["pax"],
            "total": quote["total"],
            "currency": quote["currency"],
            "valid_until": quote["valid_until"],
        },
    )


def _link(link: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "kind", "amount", "currency", "url", "expires_at")
    return {k: link[k] for k in keys}


async def convert_lead(run: Run) -> Outcome:
    """Hold the seats and convert the lead (a HELD booking, the lead WON), then send the
    payment link. A link the core refuses leaves the booking made: the outcome says why."""
    a = run.args(ConvertLeadArgs)
    body = {"departure_id": a.departure_id, "quote_id": a.quote_id, "override": a.override}
    answer = await run.post("/v1/leads/{lead}/convert", body, step="convert", lead=a.lead_id)
    booking, lead = field_of(answer, "booking"), field_of(answer, "lead")
    result: dict[str, Any] = {
        "lead_reference": lead["reference"],
        "quote_id": answer["quote_id"],
        "booking_id": booking["id"],
        "booking_reference": booking["reference"],
        "tour_name": booking["tour_name"],
        "start_date": booking["start_date"],
        "pax": booking["pax"],
        "hold_expires_at": (booking.get("hold") or {}).get("expires_at"),
    }
    try:
        link = await run.post(
            "/v1/bookings/{booking}/payment-links",
            {"kind": a.payment_kind},
            step="payment-link",
            booking=booking["id"],
        )
        result["payment_link"] = _link(link)
    except CoreRefused as refused:
        told = core_refusal(refused.status, refused.code, refused.message)
        result["payment_link_refused"] = {"code": told.code, "reason": told.reason}
    # The account has the quoted price (the booking's own amounts are the list price).
    account = await run.get("/v1/bookings/{booking}/payments", booking=booking["id"])
    result |= {
        "state": account["booking_state"],
        "total": account["total"],
        "deposit": account["deposit"],
        "currency": account["currency"],
    }
    return Outcome(ref("BOOKING", booking), result)


async def send_payment_link(run: Run) -> Outcome:
    a = run.args(PaymentLinkArgs)
    link = await run.post(
        "/v1/bookings/{booking}/payment-links", {"kind": a.kind}, booking=a.booking
    )
    booking = {"id": link["booking_id"], "reference": link.get("booking_reference")}
    return Outcome(
        ref("BOOKING", booking), {"booking_reference": booking["reference"], **_link(link)}
    )


async def delete_lead(run: Run) -> Outcome:
    """Leads are never deleted in the core: the lead is marked LOST, with the reason."""
    a = run.args(DeleteLeadArgs)
    lead = field_of(
        await run.post("/v1/leads/{lead}/lose", {"reason": a.reason}, lead=a.lead_id), "lead"
    )
    return Outcome(
        ref("LEAD", lead),
        {"lead_reference": lead["reference"], "state": lead["state"], "reason": a.reason},
    )
