"""Seat holds: when a hold may be placed, and who may place one beyond capacity.

A hold takes ``pax`` seats of a departure for a booking until it expires (unpaid), is
confirmed (paid: the seats stay taken and no longer expire) or is released (cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.catalogue import OPEN, Seats
from core.domain.errors import RuleViolation, invalid_transition

ACTIVE = "ACTIVE"  # held, unpaid: expires at expires_at
CONFIRMED = "CONFIRMED"  # paid: a seat of the booking for good
RELEASED = "RELEASED"  # given up (booking cancelled)
EXPIRED = "EXPIRED"  # not paid in time
LIVE = (ACTIVE, CONFIRMED)  # the statuses that take seats

MANAGER = "MANAGER"

# A hold's moves: ACTIVE ─confirm─> CONFIRMED; ACTIVE or CONFIRMED ─release─> RELEASED (the
# booking was cancelled); ACTIVE ─expire─> EXPIRED. RELEASED and EXPIRED are final.
CONFIRM = "CONFIRM"
RELEASE = "RELEASE"
EXPIRE = "EXPIRE"
HOLD_TRANSITIONS: dict[tuple[str, str], str] = {
    (ACTIVE, CONFIRM): CONFIRMED,
    (ACTIVE, RELEASE): RELEASED,
    (CONFIRMED, RELEASE): RELEASED,
    (ACTIVE, EXPIRE): EXPIRED,
}


@dataclass(frozen=True)
class Hold:
    """Seats of a departure taken for a booking: the aggregate its payment, cancellation or
    expiry moves."""

    id: str
    booking_id: str
    departure_id: str
    pax: int
    status: str
    expires_at: datetime | None
    override: bool
    overridden_by: str | None

    def after(self, action: str) -> str:
        """The status ``action`` takes this hold to, or ``HOLD_INVALID_TRANSITION``."""
        try:
            return HOLD_TRANSITIONS[(self.status, action)]
        except KeyError:
            raise invalid_transition("HOLD", self.status, action) from None


class NotAllowed(RuleViolation):
    """The caller may not do this (a rule about *who*, not about the state): HTTP 403."""

    status = 403


def check_hold(
    seats: Seats,
    pax: int,
    *,
    departure_status: str,
    started: bool,
    override: bool,
    actor_is_manager: bool,
) -> bool:
    """Whether a hold of ``pax`` may be placed; True when it needs the manager's override.

    Raises ``OVERRIDE_NOT_ALLOWED`` for an override asked by anyone but an active manager
    (even when seats are free: the request itself is not theirs to make),
    ``DEPARTURE_CLOSED``, ``DEPARTURE_STARTED`` (no holds on a departure that has left) and
    ``NO_SEATS_LEFT`` (with the availability).
    """
    if override and not actor_is_manager:
        raise NotAllowed(
            "OVERRIDE_NOT_ALLOWED", "only an active manager can hold seats beyond capacity"
        )
    if departure_status != OPEN:
        raise RuleViolation("DEPARTURE_CLOSED", "this departure takes no more bookings")
    if started:
        raise RuleViolation("DEPARTURE_STARTED", "this departure has already left")
    if seats.fits(pax):
        return False
    if override:
        return True
    raise RuleViolation(
        "NO_SEATS_LEFT",
        f"only {seats.available} seat(s) left for {pax} traveller(s)",
        availability=seats.as_json(),
    )
