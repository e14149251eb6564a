"""Quotes, and converting a lead into a booking on one.

Sending a quote prices a departure for the lead, stores it, moves the lead to QUOTED and
publishes ``quote.sent`` with everything the customer's message needs. Converting holds
the seats (a HELD booking), opens the booking's account at the quoted price, and marks the
lead WON."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from waops_contracts.events import QuoteDiscount, QuoteSent

from core.adapters import quotes
from core.adapters.leads import parse_lead_id
from core.adapters.quotes import PricedDeparture
from core.domain.catalogue import OPEN
from core.domain.errors import Invalid, NotFound, RuleViolation
from core.domain.leads import CONVERT, QUOTE, Lead
from core.domain.quotes import EarlyBirdRule, price_quote, valid_until
from core.handlers.bookings import hold_and_book
from core.handlers.context import UseCase
from core.handlers.leads import lock_open_lead, move_lead, sales_rep
from core.handlers.payments import open_account


@dataclass(frozen=True)
class SentQuote:
    quote: dict[str, Any]
    lead: Lead


@dataclass(frozen=True)
class Conversion:
    lead: Lead
    booking: dict[str, Any]
    quote_id: str | None


async def departure_for_lead(call: UseCase, lead: Lead, departure_id: str) -> PricedDeparture:
    """A departure of the lead's tour, still open for bookings."""
    try:
        departure_id = str(uuid.UUID(departure_id))
    except ValueError:
        raise NotFound("DEPARTURE_NOT_FOUND", "no such departure", id=departure_id) from None
    departure = await quotes.priced_departure(call.conn, call.tenant_id, departure_id)
    if departure is None:
        raise NotFound("DEPARTURE_NOT_FOUND", "no such departure", id=departure_id)
    if departure.tour_code != lead.tour_code:
        raise Invalid(
            "DEPARTURE_OF_ANOTHER_TOUR",
            f"the lead is for {lead.tour_code}, the departure for {departure.tour_code}",
        )
    if departure.status != OPEN:
        raise RuleViolation("DEPARTURE_CLOSED", "this departure takes no more bookings")
    if departure.start_date <= call.now.date():
        raise RuleViolation("DEPARTURE_STARTED", "this departure has already started")
    return departure


async def send_quote(
    call: UseCase,
    raw_lead_id: str,
    *,
    departure_id: str,
    pax: int | None,
    discount_percent: Decimal,
    discount_amount: Decimal,
) -> SentQuote:
    settings = call.settings
    lead = await lock_open_lead(call, raw_lead_id, QUOTE)
    departure = await departure_for_lead(call, lead, departure_id)
    early_bird = EarlyBirdRule(
        percent=departure.early_bird_percent
        if departure.early_bird_percent is not None
        else settings.early_bird_percent,
        min_days_ahead=departure.early_bird_days
        if departure.early_bird_days is not None
        else settings.early_bird_days,
    )
    pricing = price_quote(
        unit_price=departure.price_per_person,
        pax=pax or lead.pax,
        departure_start=departure.start_date,
        today=call.now.date(),
        early_bird=early_bird,
        rep_percent=discount_percent,
        rep_amount=discount_amount,
        max_rep_percent=settings.max_rep_discount_percent,
    )
    quote_id = str(uuid.uuid4())
    until = valid_until(call.now, settings.quote_valid_days)
    await quotes.insert_quote(
        call.conn,
        quote_id=quote_id,
        tenant_id=call.tenant_id,
        lead_id=lead.id,
        departure=departure,
        pricing=pricing,
        valid_until=until,
        sent_by=call.actor.id,
        now=call.now,
    )
    quote = await quotes.quote_view(call.conn, call.tenant_id, quote_id)
    assert quote is not None
    lead_after = await move_lead(
        call,
        lead,
        QUOTE,
        quote_id=quote_id,
        total=quote["total"],
        currency=quote["currency"],
        valid_until=quote["valid_until"],
    )
    await call.emit(
        QuoteSent(
            quote_id=quote_id,
            lead_id=lead.id,
            reference=lead.reference,
            tour_code=departure.tour_code,
            tour_name=departure.tour_name,
            departure_id=departure.id,
            departure_start=quote["departure_start"],
            departure_end=quote["departure_end"],
            pax=pricing.pax,
            price_per_person=quote["price_per_person"],
            subtotal=quote["subtotal"],
            discounts=[QuoteDiscount(**d) for d in quote["discounts"]],
            discount_total=quote["discount_total"],
            total=quote["total"],
            currency=quote["currency"],
            valid_until=quote["valid_until"],
            customer_phone=lead.customer_phone,
            customer_name=lead.customer_name,
            sales_rep=sales_rep(lead),
            conversation_id=lead.conversation_id,
            channel_id=lead.channel_id,
        ),
        subject=f"LEAD/{lead.id}",
    )
    return SentQuote(quote=quote, lead=lead_after)


async def quotes_of_lead(call: UseCase, raw_lead_id: str) -> list[dict[str, Any]]:
    lead_id = parse_lead_id(raw_lead_id)
    if lead_id is None or await call.leads.get(lead_id) is None:
        raise NotFound("LEAD_NOT_FOUND", "no such lead", id=raw_lead_id)
    return await quotes.quotes_of_lead(call.conn, call.tenant_id, lead_id)


async def convert_lead(
    call: UseCase,
    raw_id: str,
    *,
    departure_id: str,
    quote_id: str | None,
    override: bool,
) -> Conversion:
    """The customer books: hold seats on the departure for the lead's customer (a HELD
    booking), open its account at the quoted price, and mark the lead WON.

    The quote is the one named, else the lead's newest quote for that departure still
    valid; without one the booking's own price applies. A refusal (no seats left, a closed
    departure, an expired quote) leaves the lead and the seats as they were."""
    lead = await lock_open_lead(call, raw_id, CONVERT)
    departure = await departure_for_lead(call, lead, departure_id)
    quote = await _quote_for_conversion(call, lead, departure.id, quote_id)
    booking = await hold_and_book(
        call,
        departure_id=departure.id,
        pax=quote["pax"] if quote else lead.pax,
        customer_phone=lead.customer_phone,
        customer_name=lead.customer_name,
        lead_id=lead.id,
        override=override,
    )
    await open_account(call, booking, quote=quote)
    won = await move_lead(
        call,
        lead,
        CONVERT,
        booking_id=booking["id"],
        booking_reference=booking["reference"],
        departure_id=departure.id,
        departure_start=booking["start_date"],
        departure_end=booking["end_date"],
    )
    return Conversion(lead=won, booking=booking, quote_id=quote["id"] if quote else None)


async def _quote_for_conversion(
    call: UseCase, lead: Lead, departure_id: str, quote_id: str | None
) -> dict[str, Any] | None:
    if quote_id is None:
        return await quotes.latest_valid_quote(
            call.conn, call.tenant_id, lead.id, departure_id, call.now
        )
    parsed = parse_lead_id(quote_id)  # a uuid, as lead ids are
    quote = await quotes.quote_view(call.conn, call.tenant_id, parsed) if parsed else None
    if quote is None or quote["lead_id"] != lead.id:
        raise NotFound("QUOTE_NOT_FOUND", "no such quote for this lead", id=quote_id)
    if quote["departure_id"] != departure_id:
        raise Invalid("QUOTE_OF_ANOTHER_DEPARTURE", "the quote is for another departure")
    if datetime.fromisoformat(quote["valid_until"]) <= call.now:
        raise RuleViolation(
            "QUOTE_EXPIRED", "the quote is no longer valid: send a new one", id=quote_id
        )
    return quote
