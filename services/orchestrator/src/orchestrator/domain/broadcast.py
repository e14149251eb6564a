"""Who a broadcast to a departure reaches.

Everyone holding seats on it: CONFIRMED and ACTIVE bookings travel; HELD and PAYMENT_PENDING
ones hold seats and travel once paid, so a change of plan concerns them as much. Waitlisted,
cancelled and completed bookings do not travel on it (the waitlist hears through its offers).
One message per phone, whatever the number of bookings it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from waops_contracts.events import Recipient

AUDIENCE = frozenset({"HELD", "PAYMENT_PENDING", "CONFIRMED", "ACTIVE"})


def broadcast_recipients(bookings: Iterable[dict[str, Any]]) -> list[Recipient]:
    """The departure's recipients, in booking order (a phone's first booking names it)."""
    recipients: dict[str, Recipient] = {}
    for b in bookings:
        if b["state"] in AUDIENCE and b["customer_phone"] not in recipients:
            recipients[b["customer_phone"]] = Recipient(
                phone=b["customer_phone"],
                name=b.get("customer_name"),
                booking_reference=b.get("reference"),
            )
    return list(recipients.values())
