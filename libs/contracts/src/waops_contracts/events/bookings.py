"""Booking events published by the core: one per state a booking reaches.

Every booking event carries the whole booking as a subscriber needs it (reference, tour,
departure dates, pax, amounts, the customer's phone and name, the hold's expiry), so the
notifier can message the customer from the event alone.
"""

from __future__ import annotations

from waops_contracts.registry import Event, event

_EXAMPLE = {
    "booking_id": "9b8a7c6d-0000-4000-8000-0000000b0001",
    "reference": "EBC-2701234",
    "state": "HELD",
    "previous_state": "DRAFT",
    "tour_id": "7a1b2c3d-0000-4000-8000-000000000001",
    "tour_code": "EBC",
    "tour_name": "Everest Base Camp Trek",
    "departure_id": "3f2a1b0c-0000-4000-8000-00000000d001",
    "start_date": "2027-04-11",
    "end_date": "2027-04-24",
    "pax": 2,
    "price_per_person": "1450.00",
    "total_amount": "2900.00",
    "deposit_amount": "870.00",
    "currency": "USD",
    "customer_phone": "+9779841234567",
    "customer_name": "Asha",
    "lead_id": None,
    "hold_expires_at": "2027-01-10T09:30:00+00:00",
}


class BookingEvent(Event):
    booking_id: str
    reference: str
    state: str
    previous_state: str | None = None
    tour_id: str | None = None
    tour_code: str
    tour_name: str | None = None
    departure_id: str
    start_date: str
    end_date: str | None = None
    pax: int
    price_per_person: str | None = None
    total_amount: str | None = None
    deposit_amount: str | None = None
    currency: str | None = None
    customer_phone: str
    customer_name: str | None = None
    lead_id: str | None = None
    hold_expires_at: str | None = None  # while HELD / PAYMENT_PENDING
    hold_override: bool = False  # the hold exceeds capacity on a manager's say-so
    waitlist_position: int | None = None  # while WAITLISTED
    cancel_reason: str | None = None  # CANCELLED only


@event("waops.booking.held.v1", example=_EXAMPLE)
class BookingHeld(BookingEvent):
    """Seats are held for the booking until ``hold_expires_at``."""


@event(
    "waops.booking.payment_pending.v1",
    example={**_EXAMPLE, "state": "PAYMENT_PENDING", "previous_state": "HELD"},
)
class BookingPaymentPending(BookingEvent):
    """A payment link was issued; the hold still expires at ``hold_expires_at``."""


@event(
    "waops.booking.confirmed.v1",
    example={
        **_EXAMPLE,
        "state": "CONFIRMED",
        "previous_state": "PAYMENT_PENDING",
        "hold_expires_at": None,
    },
)
class BookingConfirmed(BookingEvent):
    """Paid (deposit or in full): the seats are the customer's and no longer expire."""


@event(
    "waops.booking.activated.v1",
    example={**_EXAMPLE, "state": "ACTIVE", "previous_state": "CONFIRMED", "hold_expires_at": None},
)
class BookingActivated(BookingEvent):
    """The booking's trip started."""


@event(
    "waops.booking.completed.v1",
    example={**_EXAMPLE, "state": "COMPLETED", "previous_state": "ACTIVE", "hold_expires_at": None},
)
class BookingCompleted(BookingEvent):
    """The booking's trip ended."""


@event(
    "waops.booking.cancelled.v1",
    example={
        **_EXAMPLE,
        "state": "CANCELLED",
        "previous_state": "HELD",
        "hold_expires_at": None,
        "cancel_reason": "HOLD_EXPIRED",
    },
)
class BookingCancelled(BookingEvent):
    """Cancelled: REQUESTED, HOLD_EXPIRED, OFFER_DECLINED or OFFER_EXPIRED."""


@event(
    "waops.booking.waitlisted.v1",
    example={
        **_EXAMPLE,
        "state": "WAITLISTED",
        "hold_expires_at": None,
        "waitlist_position": 2,
    },
)
class BookingWaitlisted(BookingEvent):
    """No seats left: the customer joined the departure's waitlist at ``waitlist_position``."""
