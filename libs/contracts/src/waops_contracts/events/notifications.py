"""Outbound message events published by the notifier."""

from __future__ import annotations

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
        "template": "lead_acknowledged",
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
        "template": "lead_acknowledged",
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
