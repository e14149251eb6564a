"""The booking state machine (references: ``waops_contracts.references``).

    DRAFT → HELD → PAYMENT_PENDING → CONFIRMED → ACTIVE → COMPLETED
    DRAFT → WAITLISTED → HELD (the customer confirmed a waitlist offer)
    DRAFT, HELD, PAYMENT_PENDING, CONFIRMED, WAITLISTED → CANCELLED

A booking is cancellable until its trip starts (ACTIVE) — a paid (CONFIRMED) booking too,
refunds being the payments' business. ACTIVE, COMPLETED and CANCELLED cannot be cancelled.
Every other move is refused with ``BOOKING_INVALID_TRANSITION``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.errors import invalid_transition

DRAFT = "DRAFT"
HELD = "HELD"
PAYMENT_PENDING = "PAYMENT_PENDING"
CONFIRMED = "CONFIRMED"
ACTIVE = "ACTIVE"
COMPLETED = "COMPLETED"
CANCELLED = "CANCELLED"
WAITLISTED = "WAITLISTED"
STATES = (DRAFT, HELD, PAYMENT_PENDING, CONFIRMED, ACTIVE, COMPLETED, CANCELLED, WAITLISTED)

# Actions, in the business's words.
HOLD = "HOLD"  # seats held
WAITLIST = "WAITLIST"  # no seats: join the waitlist
REQUEST_PAYMENT = "REQUEST_PAYMENT"  # a payment link was issued
CONFIRM_PAYMENT = "CONFIRM_PAYMENT"  # the deposit or the full amount was paid
ACTIVATE = "ACTIVATE"  # the trip started
COMPLETE = "COMPLETE"  # the trip ended
CANCEL = "CANCEL"  # on request, or a hold/offer that expired, or an offer declined
CONFIRM_OFFER = "CONFIRM_OFFER"  # took the waitlist offer
ACTIONS = (
    HOLD,
    WAITLIST,
    REQUEST_PAYMENT,
    CONFIRM_PAYMENT,
    ACTIVATE,
    COMPLETE,
    CANCEL,
    CONFIRM_OFFER,
)

TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, HOLD): HELD,
    (DRAFT, WAITLIST): WAITLISTED,
    (HELD, REQUEST_PAYMENT): PAYMENT_PENDING,
    (HELD, CONFIRM_PAYMENT): CONFIRMED,
    (PAYMENT_PENDING, CONFIRM_PAYMENT): CONFIRMED,
    (CONFIRMED, ACTIVATE): ACTIVE,
    (ACTIVE, COMPLETE): COMPLETED,
    (WAITLISTED, CONFIRM_OFFER): HELD,
    **{
        (state, CANCEL): CANCELLED
        for state in (DRAFT, HELD, PAYMENT_PENDING, CONFIRMED, WAITLISTED)
    },
}

TERMINAL = frozenset({COMPLETED, CANCELLED})
HOLDS_SEATS = frozenset({HELD, PAYMENT_PENDING, CONFIRMED, ACTIVE, COMPLETED})

# Why a booking was cancelled.
REQUESTED = "REQUESTED"
HOLD_EXPIRED = "HOLD_EXPIRED"
OFFER_DECLINED = "OFFER_DECLINED"
OFFER_EXPIRED = "OFFER_EXPIRED"


def transition(state: str, action: str) -> str:
    """The state ``action`` leads to from ``state``, or ``BOOKING_INVALID_TRANSITION``."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise invalid_transition("BOOKING", state, action) from None


@dataclass(frozen=True)
class Booking:
    """A booking as its state machine sees it: what it is, where it travels, for how many.
    (The API's fuller view, with its tour, amounts, hold and waitlist place, is still a
    mapping: docs/adr/0028.)"""

    id: str
    state: str
    departure_id: str
    pax: int

    def after(self, action: str) -> str:
        """The state ``action`` takes this booking to, or ``BOOKING_INVALID_TRANSITION``."""
        return transition(self.state, action)
