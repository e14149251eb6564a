"""Provider-neutral message events published by the webhook adapter.

One model whatever the provider (Meta Cloud API, 360dialog, Twilio, the sandbox). Every
field added after v1's first release is optional, so older consumers keep working: ``text``
stays the words a person wrote (or, for a tapped button or list row, its title), ``media``
the first attachment, ``reply_to_message_id`` the quoted message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from waops_contracts.registry import Event, event

Provider = Literal["meta", "360dialog", "twilio", "sandbox"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class MediaRef(_Part):
    provider_media_id: str
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    sha256: str | None = None
    voice: bool | None = None  # an audio recorded as a voice note
    url: str | None = None  # where the provider serves it (Twilio; recent Cloud API versions)
    ref: str | None = None  # the adapter's stable media reference, once registered


class Location(_Part):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


class SharedContact(_Part):
    """A contact card the person shared."""

    formatted_name: str | None = None
    phones: list[str] = []
    wa_ids: list[str] = []
    emails: list[str] = []
    organization: str | None = None


class Reply(_Part):
    """A tap on something the business offered: an interactive reply button
    (``button_reply``), a list row (``list_reply``), or a template's quick-reply button
    (``quick_reply``)."""

    kind: Literal["button_reply", "list_reply", "quick_reply"]
    id: str | None = None
    title: str | None = None
    description: str | None = None
    payload: str | None = None


class Reaction(_Part):
    """An emoji on an earlier message; ``removed`` when the person took it back."""

    message_id: str
    emoji: str | None = None
    removed: bool = False


class OrderItem(_Part):
    product_retailer_id: str
    quantity: int | None = None
    item_price: float | None = None
    currency: str | None = None


class Order(_Part):
    catalog_id: str | None = None
    text: str | None = None
    items: list[OrderItem] = []


class Referral(_Part):
    """The ad or post a person came from (click-to-WhatsApp)."""

    source_url: str | None = None
    source_id: str | None = None
    source_type: str | None = None
    headline: str | None = None
    body: str | None = None
    media_type: str | None = None
    ctwa_clid: str | None = None


class ReplyContext(_Part):
    """What the message answers or how it arrived."""

    message_id: str | None = None  # the quoted message
    from_phone: str | None = None
    forwarded: bool = False
    frequently_forwarded: bool = False
    referred_product_id: str | None = None
    referral: Referral | None = None


class SystemNotice(_Part):
    """A notice from WhatsApp itself, e.g. the person changed their number."""

    type: str | None = None
    body: str | None = None
    new_phone: str | None = None


class StatusError(_Part):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    details: str | None = None


class Pricing(_Part):
    billable: bool | None = None
    pricing_model: str | None = None
    category: str | None = None
    type: str | None = None


class ConversationInfo(_Part):
    id: str | None = None
    origin_type: str | None = None
    expires_at: datetime | None = None


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
    """One inbound WhatsApp message, whatever the provider. ``from_phone`` is E.164.

    ``kind`` is one of text, image, audio, video, document, sticker, location, contacts,
    button_reply, list_reply, quick_reply, reaction, order, system, unsupported. A message
    waops cannot read is still published, as ``unsupported`` with ``supported=False`` and
    the provider's own type in ``raw_type``.
    """

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
    raw_type: str | None = None
    extra_media: list[MediaRef] = []  # further attachments of one message (Twilio)
    location: Location | None = None
    contacts: list[SharedContact] = []
    reply: Reply | None = None
    reaction: Reaction | None = None
    order: Order | None = None
    system: SystemNotice | None = None
    context: ReplyContext | None = None
    errors: list[StatusError] = []  # why the provider could not deliver the content


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
    """A delivery receipt. ``status`` is neutral; ``provider_status`` the provider's word
    (Twilio's ``undelivered`` arrives as ``failed``)."""

    provider: Provider
    channel_id: str
    provider_message_id: str
    recipient_phone: str
    status: Literal["sent", "delivered", "read", "failed", "deleted"]
    occurred_at: datetime
    error_code: int | None = None
    error_title: str | None = None
    provider_status: str | None = None
    errors: list[StatusError] = []
    pricing: Pricing | None = None
    conversation: ConversationInfo | None = None
    # What the sender asked the provider to echo back (Meta's and 360dialog's
    # biz_opaque_callback_data, a query parameter of Twilio's status callback): the
    # notifier's outbound id, which recognises a send whose answer was lost.
    client_reference: str | None = None
