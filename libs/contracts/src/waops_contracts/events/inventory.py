"""Inventory events published by the core: seat holds and the waitlist.

Holds and waitlist entries belong to a booking; their events carry the booking's reference
and the customer's phone and name, so the notifier can act on them alone ("your offer
expires at ...", "we could not keep your seats").
"""

from __future__ import annotations

from waops_contracts.registry import Event, event

_BOOKING = {
    "booking_id": "9b8a7c6d-0000-4000-8000-0000000b0001",
    "reference": "EBC-2701234",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "departure_id": "3f2a1b0c-0000-4000-8000-00000000d001",
    "start_date": "2027-04-11",
    "end_date": "2027-04-24",
    "pax": 2,
    "customer_phone": "+9779841234567",
    "customer_name": "Asha",
}
_HOLD = {
    **_BOOKING,
    "hold_id": "1c2d3e4f-0000-4000-8000-0000000a0001",
    "expires_at": "2027-01-10T09:30:00+00:00",
    "override": False,
    "overridden_by": None,
    "available": 4,
}
_ENTRY = {
    **_BOOKING,
    "entry_id": "5e6f7a8b-0000-4000-8000-0000000c0001",
    "position": 1,
    "offer_expires_at": None,
}


class BookingRef(Event):
    booking_id: str
    reference: str
    tour_code: str
    tour_name: str | None = None
    departure_id: str
    start_date: str
    end_date: str | None = None
    pax: int
    customer_phone: str
    customer_name: str | None = None


class HoldEvent(BookingRef):
    hold_id: str
    expires_at: str | None = None
    override: bool = False  # placed beyond capacity on a manager's say-so
    overridden_by: str | None = None  # that manager's staff id
    reason: str | None = None  # why a hold was released
    available: int | None = None  # the departure's free seats after this change


@event("waops.hold.placed.v1", example=_HOLD)
class HoldPlaced(HoldEvent):
    """Seats held for a booking until ``expires_at``."""


@event("waops.hold.released.v1", example={**_HOLD, "reason": "REQUESTED"})
class HoldReleased(HoldEvent):
    """A hold given up before it expired: the booking was cancelled (``reason`` is the
    booking's cancel reason); its seats are free."""


@event("waops.hold.expired.v1", example={**_HOLD, "reason": "HOLD_EXPIRED"})
class HoldExpired(HoldEvent):
    """A hold that was not paid in time; its seats are free again."""


class WaitlistEvent(BookingRef):
    entry_id: str
    position: int | None = None  # 1 = first in line (None once the entry left the line)
    offer_expires_at: str | None = None


@event("waops.waitlist.joined.v1", example=_ENTRY)
class WaitlistJoined(WaitlistEvent):
    """The customer is on the departure's waitlist at ``position``."""


@event(
    "waops.waitlist.offered.v1", example={**_ENTRY, "offer_expires_at": "2027-01-10T11:30:00+00:00"}
)
class WaitlistOffered(WaitlistEvent):
    """Seats freed up and are reserved for this customer until ``offer_expires_at``."""


@event(
    "waops.waitlist.offer_expired.v1",
    example={**_ENTRY, "position": None, "offer_expires_at": "2027-01-10T11:30:00+00:00"},
)
class WaitlistOfferExpired(WaitlistEvent):
    """The offer was not taken in time; the seats go to the next in line."""


@event(
    "waops.waitlist.offer_declined.v1",
    example={**_ENTRY, "position": None, "offer_expires_at": "2027-01-10T11:30:00+00:00"},
)
class WaitlistOfferDeclined(WaitlistEvent):
    """The customer declined the offer; the seats go to the next in line."""


@event("waops.waitlist.confirmed.v1", example={**_ENTRY, "position": None})
class WaitlistConfirmed(WaitlistEvent):
    """The customer took the offer: the booking now holds the seats (booking.held follows)."""
