"""Catalogue rules: a tour's deposit rule, a departure's price and status, and seat counts.

Pure: no I/O. The seat arithmetic here is the one the services apply under the departure's
row lock, and the one the property tests exercise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.domain.errors import invalid_transition

OPEN = "OPEN"
CLOSED = "CLOSED"

PERCENT = "PERCENT"  # deposit = value % of the booking total
FIXED = "FIXED"  # deposit = value per person (never more than the total)
DEFAULT_DEPOSIT_PERCENT = Decimal("30")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DepositRule:
    kind: str = PERCENT
    value: Decimal = DEFAULT_DEPOSIT_PERCENT

    def __post_init__(self) -> None:
        if self.kind not in (PERCENT, FIXED):
            raise ValueError(f"unknown deposit rule {self.kind!r}")
        if self.value < 0 or (self.kind == PERCENT and self.value > 100):
            raise ValueError("a deposit percent lies between 0 and 100")

    def due(self, total: Decimal, pax: int) -> Decimal:
        """The deposit for a booking of ``pax`` people costing ``total``, to the cent."""
        if self.kind == PERCENT:
            amount = total * self.value / Decimal(100)
        else:
            amount = min(self.value * pax, total)
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def effective_price(tour_price: Decimal, override: Decimal | None) -> Decimal:
    """A departure's price per person: its own override, else the tour's."""
    return tour_price if override is None else override


def booking_total(price_per_person: Decimal, pax: int) -> Decimal:
    return (price_per_person * pax).quantize(CENT, rounding=ROUND_HALF_UP)


def close(status: str) -> str:
    """OPEN → CLOSED; closing a closed departure is refused (never a silent no-op)."""
    if status != OPEN:
        raise invalid_transition("DEPARTURE", status, "CLOSE")
    return CLOSED


@dataclass(frozen=True)
class Seats:
    """A departure's seats: held (unpaid holds), confirmed (paid), reserved (open waitlist
    offers). A manager's override can push held + confirmed past capacity; available never
    goes below zero."""

    capacity: int
    held: int = 0
    confirmed: int = 0
    reserved: int = 0
    waitlist: int = 0

    @property
    def taken(self) -> int:
        return self.held + self.confirmed + self.reserved

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.taken)

    def fits(self, pax: int) -> bool:
        return pax <= self.available

    def as_json(self) -> dict[str, Any]:
        return {
            "capacity": self.capacity,
            "held": self.held,
            "confirmed": self.confirmed,
            "reserved": self.reserved,
            "available": self.available,
            "waitlist": self.waitlist,
        }
