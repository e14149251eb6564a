"""The waitlist over HTTP (taking or declining an offer, the line of a departure), and the
sweep that expires offers not taken in time."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from waops_service_kit.api import Call, Routes

from core.adapters import waitlist
from core.adapters.bookings import booking_view
from core.entrypoints.bookings import BookingEnvelope, BookingView
from core.entrypoints.context import use_case
from core.handlers import bookings
from core.handlers.catalogue import departure_view
from core.handlers.inventory import ctx_of, departure_sweep
from core.handlers.sweeps import Sweep
from core.settings import CoreSettings

routes = Routes(tag="waitlist", description="Waitlist offers of freed seats")


class Waitlist(BaseModel):
    departure_id: str
    items: list[BookingView]


@routes.post(
    "/v1/bookings/{booking}/confirm-offer",
    response=BookingEnvelope,
    errors=(
        (404, "BOOKING_NOT_FOUND"),
        (409, "BOOKING_INVALID_TRANSITION"),
        (409, "NO_OPEN_OFFER"),
        (409, "OFFER_EXPIRED"),
        (409, "DEPARTURE_CLOSED"),
    ),
)
async def confirm_offer(call: Call) -> dict[str, Any]:
    """Take the seats offered: the waitlisted booking becomes HELD (a hold with the usual
    expiry)."""
    return {"booking": await bookings.confirm_offer(ctx_of(use_case(call)), call.path["booking"])}


@routes.post(
    "/v1/bookings/{booking}/decline-offer",
    response=BookingEnvelope,
    errors=(
        (404, "BOOKING_NOT_FOUND"),
        (409, "BOOKING_INVALID_TRANSITION"),
        (409, "NO_OPEN_OFFER"),
        (409, "OFFER_EXPIRED"),
    ),
)
async def decline_offer(call: Call) -> dict[str, Any]:
    """Decline the seats offered: the booking is cancelled and the next in line is offered."""
    return {"booking": await bookings.decline_offer(ctx_of(use_case(call)), call.path["booking"])}


@routes.get(
    "/v1/departures/{departure_id}/waitlist",
    response=Waitlist,
    errors=((404, "DEPARTURE_NOT_FOUND"),),
)
async def get_waitlist(call: Call) -> dict[str, Any]:
    """A departure's line, first first: waiting and offered bookings with their positions."""
    departure = await departure_view(use_case(call), call.path["departure_id"])
    items = []
    for entry in await waitlist.in_line(call.conn, departure["id"]):
        items.append(await booking_view(call.conn, call.tenant_id, entry.booking_id))
    return {"departure_id": departure["id"], "items": items}


def offers_expire(settings: CoreSettings) -> Sweep:
    """``waitlist.offers_expire``: offers past their window are expired (the booking is
    cancelled, OFFER_EXPIRED) and their seats offered to the next in line."""

    return departure_sweep(
        settings, waitlist.due_offers, waitlist.offer_if_due, bookings.expire_offer
    )
