"""The waitlist: who gets freed seats, in what order.

Entries are ordered by when they joined. When seats free up, the first in line whose party
fits the free seats gets an offer, and the seats are reserved for it (no one else can take
them) until the offer is confirmed, declined or expires; then the next in line is considered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WAITING = "WAITING"
OFFERED = "OFFERED"
CONFIRMED = "CONFIRMED"  # took the offer: the booking is HELD
DECLINED = "DECLINED"
EXPIRED = "EXPIRED"  # the offer was not taken in time
CANCELLED = "CANCELLED"  # the waitlisted booking was cancelled
LIVE = (WAITING, OFFERED)  # still in line (positions count these)


@dataclass(frozen=True)
class InLine:
    entry_id: str
    pax: int


def choose_offers(free: int, waiting: Sequence[InLine]) -> list[InLine]:
    """Whom to offer ``free`` seats, in line order: each waiting party that still fits.

    A party too large for what is free keeps its place; a smaller one behind it is served
    (seats that sit idle help no one), and the large party gets the next seats that fit.
    """
    offers = []
    for entry in waiting:
        if entry.pax <= free:
            offers.append(entry)
            free -= entry.pax
    return offers
