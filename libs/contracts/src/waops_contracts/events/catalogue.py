"""Catalogue events published by the core, read by the conversation engine's matcher.

Tours (``tour_upserted``) and departures (``departure_upserted`` / ``departure_closed``): a
departure event carries its dates, price and current seat availability, so a subscriber can
answer "which dates, how many seats left?" from its own read model without calling back.
The core republishes ``departure_upserted`` whenever the seat counts change (holds placed,
released, confirmed; waitlist offers); consumers upsert by ``departure_id``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from waops_contracts.registry import Event, event


@event(
    "waops.catalogue.tour_upserted.v1",
    example={
        "tour_id": "7a1b2c3d-0000-4000-8000-000000000001",
        "code": "EBC",
        "name": "Everest Base Camp Trek",
        "aliases": ["EBC", "Everest trek", "Everest base camp"],
        "duration_days": 14,
        "price_per_person": "1450.00",
        "currency": "USD",
        "active": True,
        "deposit_kind": "PERCENT",
        "deposit_value": "30.00",
    },
)
class TourUpserted(Event):
    tour_id: str
    code: str
    name: str
    aliases: list[str] = []
    duration_days: int | None = None
    price_per_person: str | None = None
    currency: str | None = None
    active: bool = True
    # Deposit rule: PERCENT of the booking total, or a FIXED amount per person.
    deposit_kind: str | None = None
    deposit_value: str | None = None


class Seats(BaseModel):
    """A departure's seat accounting at the time of the event."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    capacity: int
    held: int  # seats on live (unpaid) holds
    confirmed: int  # seats of paid bookings
    reserved: int = 0  # seats set aside for open waitlist offers
    available: int
    waitlist: int = 0  # customers waiting (or holding an offer)


_DEPARTURE_EXAMPLE = {
    "departure_id": "3f2a1b0c-0000-4000-8000-00000000d001",
    "tour_id": "7a1b2c3d-0000-4000-8000-000000000001",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "start_date": "2027-04-11",
    "end_date": "2027-04-24",
    "status": "OPEN",
    "price_per_person": "1450.00",
    "currency": "USD",
    "seats": {
        "capacity": 12,
        "held": 3,
        "confirmed": 4,
        "reserved": 0,
        "available": 5,
        "waitlist": 0,
    },
}


class DepartureEvent(Event):
    departure_id: str
    tour_id: str
    tour_code: str
    tour_name: str | None = None
    start_date: str
    end_date: str
    status: str  # OPEN | CLOSED
    price_per_person: str | None = None  # the effective price (override or the tour's)
    currency: str | None = None
    seats: Seats | None = None


@event("waops.departure.upserted.v1", example=_DEPARTURE_EXAMPLE)
class DepartureUpserted(DepartureEvent):
    """A departure was created or changed, or its seat counts moved."""


@event("waops.departure.closed.v1", example={**_DEPARTURE_EXAMPLE, "status": "CLOSED"})
class DepartureClosed(DepartureEvent):
    """Operations closed the departure: no new bookings, holds or waitlist offers."""
