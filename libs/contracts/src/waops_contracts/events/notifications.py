"""Outbound message events published by the notifier."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from waops_contracts.events.commands import ObjectRef
from waops_contracts.registry import Event, event


@event(
    "waops.message.sent.v1",
    example={
        "outbound_id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
        "channel_id": "109876543210",
        "provider": "meta",
        "provider_message_id": "wamid.HBgMOTc3OTg0MTIzNDU2FQIAERgSQ0",
        "to_phone": "+9779841234567",
        "template": "lead.acknowledged",
        "about": {
            "type": "LEAD",
            "id": "5d1c6f0e-8a2b-4c3d-9e4f-5a6b7c8d9e0f",
            "reference": "EBC2501234",
        },
        "text": "Thanks Asha! Your enquiry reference is EBC2501234.",
    },
)
class MessageSent(Event):
    outbound_id: str
    channel_id: str
    provider: str
    provider_message_id: str
    to_phone: str
    template: str
    about: ObjectRef | None = None
    text: str | None = None


@event(
    "waops.message.failed.v1",
    example={
        "outbound_id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
        "channel_id": "109876543210",
        "provider": "meta",
        "to_phone": "+9779841234567",
        "template": "lead.acknowledged",
        "error_code": 131047,
        "error_title": "Re-engagement message",
    },
)
class MessageFailed(Event):
    outbound_id: str
    channel_id: str
    provider: str
    to_phone: str
    template: str
    about: ObjectRef | None = None
    error_code: int | None = None
    error_title: str


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    phone: str
    name: str | None = None
    booking_reference: str | None = None


@event(
    "waops.broadcast.requested.v1",
    example={
        "broadcast_id": "6f1e2d3c-4b5a-4968-8776-655443322110",
        "departure_id": "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
        "tour_code": "EBC",
        "tour_name": "Everest Base Camp Trek",
        "start_date": "2025-03-10",
        "text": "Flights to Lukla are delayed by weather; we meet at 9:00 instead of 6:00.",
        "by": {"user_id": "8b7a6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d", "name": "Sita Rai"},
        "recipients": [
            {"phone": "+9779841234567", "name": "Asha", "booking_reference": "EBC-2501234"}
        ],
    },
)
class BroadcastRequested(Event):
    """Operations tells every customer of a departure something (published by the
    orchestrator with the recipients it read from the core; the notifier sends)."""

    broadcast_id: str
    departure_id: str
    tour_code: str | None = None
    tour_name: str | None = None
    start_date: str | None = None
    text: str
    by: dict[str, str | None] = {}
    recipients: list[Recipient]
