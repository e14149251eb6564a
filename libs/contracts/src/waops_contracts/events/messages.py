"""Provider-neutral message events published by the webhook adapter."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from waops_contracts.registry import Event, event

Provider = Literal["meta", "360dialog", "twilio", "sandbox"]


class MediaRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    provider_media_id: str
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None


@event(
    "waops.message.received.v1",
    example={
        "provider": "meta",
        "channel_id": "109876543210",
        "provider_message_id": "wamid.HBgMOTc3OTg0MTIzNDU2FQIAEhgg",
        "from_phone": "+9779841234567",
        "profile_name": "Asha",
        "sent_at": "2025-01-10T09:15:00Z",
        "kind": "text",
        "text": "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025",
    },
)
class MessageReceived(Event):
    """One inbound WhatsApp message, whatever the provider. ``from_phone`` is E.164."""

    provider: Provider
    channel_id: str
    provider_message_id: str
    from_phone: str
    profile_name: str | None = None
    sent_at: datetime
    kind: str
    text: str | None = None
    media: MediaRef | None = None
    reply_to_message_id: str | None = None
    supported: bool = True


@event(
    "waops.message.status.v1",
    example={
        "provider": "meta",
        "channel_id": "109876543210",
        "provider_message_id": "wamid.HBgMOTc3OTg0MTIzNDU2FQIAERgS",
        "recipient_phone": "+9779841234567",
        "status": "delivered",
        "occurred_at": "2025-01-10T09:15:03Z",
    },
)
class MessageStatus(Event):
    provider: Provider
    channel_id: str
    provider_message_id: str
    recipient_phone: str
    status: Literal["sent", "delivered", "read", "failed", "deleted"]
    occurred_at: datetime
    error_code: int | None = None
    error_title: str | None = None
