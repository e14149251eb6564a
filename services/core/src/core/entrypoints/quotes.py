"""Quotes over HTTP: pricing a departure for a lead, and converting the lead into a booking."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from waops_contracts.limits import MAX_PARTY_SIZE, MIN_PARTY_SIZE
from waops_service_kit.api import Call, Routes

from core.entrypoints.bookings import BookingView
from core.entrypoints.context import use_case
from core.entrypoints.leads import LeadView, lead_json
from core.handlers.quotes import convert_lead, quotes_of_lead, send_quote

routes = Routes(tag="quotes", description="Quotes for leads, and converting leads into bookings")

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class QuoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    departure_id: Id
    pax: int | None = Field(
        default=None, ge=MIN_PARTY_SIZE, le=MAX_PARTY_SIZE, description="default: the lead's pax"
    )
    discount_percent: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=100,
        decimal_places=2,
        description="the rep's discount, % of the price (bounded by the core's setting)",
    )
    discount_amount: Decimal = Field(
        default=Decimal(0),
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="the rep's discount as an amount (with the percent, within the bound)",
    )


class DiscountView(BaseModel):
    kind: str = Field(description="EARLY_BIRD | REP_DISCOUNT")
    description: str
    amount: str


class QuoteView(BaseModel):
    id: str
    lead_id: str
    departure_id: str
    tour_code: str
    tour_name: str
    departure_start: str
    departure_end: str
    pax: int
    price_per_person: str
    subtotal: str
    discounts: list[DiscountView]
    discount_total: str
    total: str
    currency: str
    valid_until: str
    sent_by: str | None
    created_at: str


class QuoteSentView(BaseModel):
    quote: QuoteView
    lead: LeadView


class QuoteList(BaseModel):
    items: list[QuoteView]


class ConvertRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    departure_id: Id
    quote_id: Id | None = Field(
        default=None, description="default: the lead's newest valid quote for the departure"
    )
    override: bool = Field(
        default=False, description="hold beyond capacity (the actor must be a manager)"
    )


class ConversionView(BaseModel):
    lead: LeadView
    booking: BookingView
    quote_id: str | None


LEAD_ERRORS = ((404, "LEAD_NOT_FOUND"), (409, "LEAD_INVALID_TRANSITION"))
DEPARTURE_ERRORS = (
    (404, "DEPARTURE_NOT_FOUND"),
    (409, "DEPARTURE_CLOSED"),
    (409, "DEPARTURE_STARTED"),
    (422, "DEPARTURE_OF_ANOTHER_TOUR"),
)


@routes.post(
    "/v1/leads/{lead_id}/quotes",
    body=QuoteRequest,
    response=QuoteSentView,
    status=201,
    errors=(
        *LEAD_ERRORS,
        *DEPARTURE_ERRORS,
        (422, "REP_DISCOUNT_TOO_LARGE"),
        (422, "INVALID_DISCOUNT"),
    ),
)
async def post_quote(call: Call) -> dict[str, Any]:
    """Price a departure for the lead and send the quote: lead → QUOTED, quote.sent."""
    body: QuoteRequest = call.body
    sent = await send_quote(
        use_case(call),
        call.path["lead_id"],
        departure_id=body.departure_id,
        pax=body.pax,
        discount_percent=body.discount_percent,
        discount_amount=body.discount_amount,
    )
    return {"quote": sent.quote, "lead": lead_json(sent.lead)}


@routes.get("/v1/leads/{lead_id}/quotes", response=QuoteList, errors=((404, "LEAD_NOT_FOUND"),))
async def get_quotes(call: Call) -> dict[str, Any]:
    """The lead's quotes, newest first."""
    return {"items": await quotes_of_lead(use_case(call), call.path["lead_id"])}


@routes.post(
    "/v1/leads/{lead_id}/convert",
    body=ConvertRequest,
    response=ConversionView,
    status=201,
    errors=(
        *LEAD_ERRORS,
        *DEPARTURE_ERRORS,
        (404, "QUOTE_NOT_FOUND"),
        (409, "QUOTE_EXPIRED"),
        (422, "QUOTE_OF_ANOTHER_DEPARTURE"),
        (409, "NO_SEATS_LEFT"),
        (403, "OVERRIDE_NOT_ALLOWED"),
    ),
)
async def convert(call: Call) -> dict[str, Any]:
    """The customer books: seats held (booking HELD) at the quoted price, lead → WON."""
    body: ConvertRequest = call.body
    done = await convert_lead(
        use_case(call),
        call.path["lead_id"],
        departure_id=body.departure_id,
        quote_id=body.quote_id,
        override=body.override,
    )
    return {"lead": lead_json(done.lead), "booking": done.booking, "quote_id": done.quote_id}
