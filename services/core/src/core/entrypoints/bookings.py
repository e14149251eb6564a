"""Bookings over HTTP: book (hold seats or join the waitlist), read, list and cancel."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from waops_contracts.limits import MAX_PARTY_SIZE, MAX_PHONE_CHARS, MIN_PARTY_SIZE
from waops_service_kit.api import Call, ListQuery, Reply, Routes, decode_cursor, page
from waops_service_kit.api.pagination import BadCursor

from core.adapters.bookings import find_booking, list_bookings
from core.domain.bookings import STATES
from core.domain.errors import NotFound
from core.entrypoints.context import use_case
from core.entrypoints.fields import PhoneFilter
from core.handlers import bookings
from core.handlers.inventory import ctx_of

routes = Routes(tag="bookings", description="Bookings, seat holds and the waitlist")

BookingState = Literal[
    "DRAFT",
    "HELD",
    "PAYMENT_PENDING",
    "CONFIRMED",
    "ACTIVE",
    "COMPLETED",
    "CANCELLED",
    "WAITLISTED",
]
assert set(BookingState.__args__) == set(STATES)  # type: ignore[attr-defined]

Text = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
]


class BookingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    departure_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
    pax: int = Field(ge=MIN_PARTY_SIZE, le=MAX_PARTY_SIZE)
    customer_phone: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PHONE_CHARS)]
    customer_name: Text | None = None
    lead_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    override: bool = Field(
        default=False, description="hold beyond capacity (the actor must be an active MANAGER)"
    )
    waitlist: bool = Field(
        default=False, description="no seats left: join the waitlist instead of a 409"
    )


class HoldView(BaseModel):
    id: str
    status: Literal["ACTIVE", "CONFIRMED", "RELEASED", "EXPIRED"]
    pax: int
    expires_at: str | None
    override: bool
    overridden_by: str | None


class WaitlistPlace(BaseModel):
    entry_id: str
    status: Literal["WAITING", "OFFERED", "CONFIRMED", "DECLINED", "EXPIRED", "CANCELLED"]
    position: int | None = Field(description="1 = first in line; null once out of line")
    offer_expires_at: str | None


class BookingView(BaseModel):
    id: str
    reference: str
    state: BookingState
    tour_id: str
    tour_code: str
    tour_name: str
    departure_id: str
    start_date: str
    end_date: str
    pax: int
    customer_phone: str
    customer_name: str | None
    lead_id: str | None
    price_per_person: str
    total_amount: str
    deposit_amount: str
    currency: str
    hold: HoldView | None
    waitlist: WaitlistPlace | None
    cancel_reason: str | None
    created_at: str
    updated_at: str


class BookingEnvelope(BaseModel):
    booking: BookingView


class BookingQuery(ListQuery):
    state: BookingState | None = None
    departure_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    customer_phone: PhoneFilter = None

    @field_validator("departure_id")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("not a departure id") from None


class BookingList(BaseModel):
    items: list[BookingView]
    next_cursor: str | None


@routes.post(
    "/v1/bookings",
    body=BookingRequest,
    response=BookingEnvelope,
    status=201,
    idempotency="required",
    errors=(
        (400, "IDEMPOTENCY_KEY_REQUIRED"),
        (403, "OVERRIDE_NOT_ALLOWED"),
        (404, "DEPARTURE_NOT_FOUND"),
        (409, "NO_SEATS_LEFT"),
        (409, "DEPARTURE_CLOSED"),
        (409, "DEPARTURE_STARTED"),
        (409, "IDEMPOTENCY_KEY_REUSED"),
        (422, "INVALID_PHONE"),
        (422, "UNKNOWN_LEAD"),
    ),
)
async def post_booking(call: Call) -> Reply:
    """Book: create a booking and hold its seats (HELD, with the hold's expiry); no seats
    left is a 409 NO_SEATS_LEFT with the availability, or with ``waitlist: true`` a
    WAITLISTED booking with its position in line."""
    req: BookingRequest = call.body
    view = await bookings.book(
        ctx_of(use_case(call)),
        departure_id=req.departure_id,
        pax=req.pax,
        customer_phone=req.customer_phone,
        customer_name=req.customer_name or None,
        lead_id=req.lead_id,
        override=req.override,
        join_waitlist=req.waitlist,
    )
    return Reply({"booking": view}, headers={"Location": f"/v1/bookings/{view['id']}"})


@routes.get("/v1/bookings", query=BookingQuery, response=BookingList)
async def get_bookings(call: Call) -> dict[str, Any]:
    """Bookings, oldest first, filtered by state, departure and customer phone."""
    q: BookingQuery = call.query
    after = decode_cursor(q.cursor, 2)
    try:
        key = (
            (datetime.fromisoformat(after[0]).isoformat(), str(uuid.UUID(after[1])))
            if after
            else None
        )
    except (TypeError, ValueError, AttributeError):
        raise BadCursor("BAD_CURSOR", "the cursor is not one this API issued") from None
    found = await list_bookings(
        call.conn,
        call.tenant_id,
        state=q.state,
        departure_id=q.departure_id,
        customer_phone=q.customer_phone,
        after=key,
        limit=q.limit + 1,
    )
    items, cursor = page(found, q.limit, lambda b: (b["created_at"], b["id"]))
    return {"items": items, "next_cursor": cursor}


@routes.get(
    "/v1/bookings/{booking}", response=BookingEnvelope, errors=((404, "BOOKING_NOT_FOUND"),)
)
async def get_booking(call: Call) -> dict[str, Any]:
    """One booking, by id or reference (EBC-2501234 or EBC2501234)."""
    raw = call.path["booking"]
    found = await find_booking(call.conn, call.tenant_id, raw)
    view = await bookings.booking_view(call.conn, call.tenant_id, found.id) if found else None
    if view is None:
        raise NotFound("BOOKING_NOT_FOUND", "no such booking", id=raw)
    return {"booking": view}


@routes.post(
    "/v1/bookings/{booking}/cancel",
    response=BookingEnvelope,
    errors=((404, "BOOKING_NOT_FOUND"), (409, "BOOKING_INVALID_TRANSITION")),
)
async def cancel_booking(call: Call) -> dict[str, Any]:
    """Cancel a booking (until its trip starts): its seats are freed and offered to the
    waitlist, or its place in line given up."""
    return {"booking": await bookings.cancel(ctx_of(use_case(call)), call.path["booking"])}
