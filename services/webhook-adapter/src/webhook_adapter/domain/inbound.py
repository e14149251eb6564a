"""What every provider's webhook is read into: messages and statuses, provider-neutral.

Pure data. A parser (``meta``, ``twilio``) turns one webhook into ``Batch``es, one per
business number it names; what it cannot read item by item it reports as *problems*
instead of raising, so one bad item never costs the valid ones next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import phonenumbers
from waops_contracts import stable_event_id
from waops_contracts.events import MessageReceived, MessageStatus
from waops_contracts.events.messages import (
    ConversationInfo,
    Location,
    MediaRef,
    Order,
    Pricing,
    Provider,
    Reaction,
    Reply,
    ReplyContext,
    SharedContact,
    StatusError,
    SystemNotice,
)

MEDIA_KINDS = frozenset({"image", "video", "audio", "document", "sticker"})
UNSUPPORTED = "unsupported"


@lru_cache(maxsize=8192)  # phonenumbers is costly; the same senders write again and again
def e164(raw: str) -> str:
    """A WhatsApp id (``9779841234567``), a Twilio address (``whatsapp:+977...``) or a
    written number, as E.164. Digits are kept as they are when the number is unknown to
    phonenumbers' metadata (a new range must not lose a message)."""
    text = raw.removeprefix("whatsapp:").strip()
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if not digits:
        raise ValueError(f"not a phone number: {raw!r}")
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return "+" + digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Inbound:
    """One message a person sent, before its channel is known."""

    wire: str  # the id space of provider_message_id: "meta" (Cloud API family) or "twilio"
    provider_message_id: str
    from_phone: str
    sent_at: datetime
    kind: str
    profile_name: str | None = None
    text: str | None = None
    media: MediaRef | None = None
    extra_media: tuple[MediaRef, ...] = ()
    raw_type: str | None = None
    location: Location | None = None
    contacts: tuple[SharedContact, ...] = ()
    reply: Reply | None = None
    reaction: Reaction | None = None
    order: Order | None = None
    system: SystemNotice | None = None
    context: ReplyContext | None = None
    errors: tuple[StatusError, ...] = ()

    @property
    def phone(self) -> str:
        """The person's number: whose conversation this update belongs to."""
        return self.from_phone

    @property
    def supported(self) -> bool:
        return self.kind != UNSUPPORTED

    @property
    def event_id(self) -> str:
        """Stable, so a redelivered webhook maps to the same event."""
        return stable_event_id(self.wire, self.provider_message_id)

    @property
    def all_media(self) -> tuple[MediaRef, ...]:
        return ((self.media,) if self.media is not None else ()) + self.extra_media

    def with_media(self, media: tuple[MediaRef, ...]) -> Inbound:
        """The same message with its media replaced (registered references filled in)."""
        return replace(self, media=media[0] if media else None, extra_media=media[1:])

    def event(self, provider: Provider, channel_id: str) -> MessageReceived:
        return MessageReceived(
            provider=provider,
            channel_id=channel_id,
            provider_message_id=self.provider_message_id,
            from_phone=self.from_phone,
            profile_name=self.profile_name,
            sent_at=self.sent_at,
            kind=self.kind,
            text=self.text,
            media=self.media,
            reply_to_message_id=self.context.message_id if self.context else None,
            supported=self.supported,
            raw_type=self.raw_type,
            extra_media=list(self.extra_media),
            location=self.location,
            contacts=list(self.contacts),
            reply=self.reply,
            reaction=self.reaction,
            order=self.order,
            system=self.system,
            context=self.context,
            errors=list(self.errors),
        )


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery receipt for a message the business sent."""

    wire: str
    provider_message_id: str
    recipient_phone: str
    status: str  # neutral: sent, delivered, read, failed, deleted
    occurred_at: datetime
    provider_status: str | None = None
    errors: tuple[StatusError, ...] = ()
    pricing: Pricing | None = None
    conversation: ConversationInfo | None = None
    client_reference: str | None = None  # what the send asked the provider to echo back

    @property
    def phone(self) -> str:
        return self.recipient_phone

    @property
    def event_id(self) -> str:
        return stable_event_id(self.wire, self.provider_message_id, self.status)

    def event(self, provider: Provider, channel_id: str) -> MessageStatus:
        first = self.errors[0] if self.errors else None
        return MessageStatus(
            provider=provider,
            channel_id=channel_id,
            provider_message_id=self.provider_message_id,
            recipient_phone=self.recipient_phone,
            status=self.status,  # one of the neutral five, checked when read
            occurred_at=self.occurred_at,
            error_code=first.code if first else None,
            error_title=first.title if first else None,
            provider_status=self.provider_status,
            errors=list(self.errors),
            pricing=self.pricing,
            conversation=self.conversation,
            client_reference=self.client_reference,
        )


@dataclass
class Batch:
    """What one webhook carries for one business number (``address``: the Meta/360dialog
    phone number id or the Twilio E.164 number); ``address`` None when unreadable."""

    address: str | None
    messages: list[Inbound] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def phone_number_id(self) -> str | None:  # the Cloud API's name for the address
        return self.address


def problem(reason: str) -> Batch:
    return Batch(address=None, problems=[reason])


def dicts(items: Any) -> list[dict[str, Any]]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def as_dict(raw: Any, key: str) -> dict[str, Any]:
    value = raw.get(key) if isinstance(raw, dict) else None
    return value if isinstance(value, dict) else {}


def required(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f'"{key}" missing')
    return value


def optional(raw: Any, key: str) -> str | None:
    value = raw.get(key) if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None
