"""Operations' broadcast to a departure: one message to each recipient the orchestrator
read from the core (a phone on two bookings gets it once)."""

from __future__ import annotations

from waops_contracts.events import BroadcastRequested

from notifier.domain import formatting as fmt
from notifier.domain.formatting import Style
from notifier.domain.notices import Notice, Person, uses

BROADCAST = uses("broadcast.message")


def broadcast_requested(broadcast: BroadcastRequested, _: Style) -> list[Notice]:
    shared = {
        "tour_name": broadcast.tour_name or broadcast.tour_code or "",
        "start_date": fmt.day(broadcast.start_date),
        "text": broadcast.text.strip(),
        "sender": broadcast.by.get("name") or "",
    }
    return [
        Notice(
            Person(r.phone, r.name),
            BROADCAST,
            {
                **shared,
                "customer_name": r.name or "",
                "booking_reference": r.booking_reference or "",
            },
        )
        for r in broadcast.recipients
    ]
