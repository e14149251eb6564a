"""Meta Cloud API webhooks: the signature, the envelope, and what each change carries.

Pure functions. The body is checked and parsed from the exact bytes Meta signed (Meta
escapes non-ASCII as ``\\uXXXX``; re-serialising would break the signature). What cannot be
read item by item is reported as a *problem* rather than raised: the webhook is authentic
and already stored, so it is quarantined for a person to look at instead of refused
(a refusal would only make Meta retry the same bytes for days).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args

from waops_contracts import stable_event_id
from waops_contracts.events import MessageReceived, MessageStatus
from waops_contracts.events.messages import MediaRef, Provider

WIRE = "meta"  # the wire format, and the id space of its message ids
SIGNATURE_HEADER = "X-Hub-Signature-256"
WEBHOOK_OBJECT = "whatsapp_business_account"
MEDIA_KINDS = frozenset({"image", "video", "audio", "document", "sticker"})
# Kinds normalised fully today; the others are published with kind only (a later issue).
NORMALISED_KINDS = MEDIA_KINDS | {"text"}
STATUSES = frozenset(get_args(MessageStatus.model_fields["status"].annotation))


class MalformedJson(ValueError):
    """The body is not UTF-8 JSON."""


class InvalidPayload(ValueError):
    """JSON, but not a WhatsApp Business Account webhook."""


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed by the app secret>``."""
    if not header or not header.isascii() or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.removeprefix("sha256=").lower().encode())


def decode_webhook(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedJson(str(exc)) from None
    if not isinstance(doc, dict) or doc.get("object") != WEBHOOK_OBJECT:
        raise InvalidPayload(f'"object" must be "{WEBHOOK_OBJECT}"')
    entries = doc.get("entry")
    if not isinstance(entries, list) or not entries:
        raise InvalidPayload('"entry" must be a non-empty list')
    if not all(isinstance(e, dict) for e in entries):
        raise InvalidPayload('every "entry" must be an object')
    return doc


def e164(wa_id: str) -> str:
    """WhatsApp ids are the number's digits; waops speaks E.164 (``+`` and digits)."""
    digits = "".join(ch for ch in wa_id if ch.isascii() and ch.isdigit())
    if not digits:
        raise ValueError(f"not a phone number: {wa_id!r}")
    return "+" + digits


@dataclass(frozen=True)
class Inbound:
    """One message a person sent, before its channel is known."""

    provider_message_id: str
    from_phone: str
    profile_name: str | None
    sent_at: datetime
    kind: str
    text: str | None
    media: MediaRef | None
    reply_to_message_id: str | None

    @property
    def phone(self) -> str:
        """The person's number: whose conversation this update belongs to."""
        return self.from_phone

    @property
    def event_id(self) -> str:
        """Stable, so a redelivered webhook maps to the same event."""
        return stable_event_id(WIRE, self.provider_message_id)

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
            reply_to_message_id=self.reply_to_message_id,
            supported=self.kind in NORMALISED_KINDS,
        )


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery receipt for a message the business sent."""

    provider_message_id: str
    recipient_phone: str
    status: str
    occurred_at: datetime
    error_code: int | None
    error_title: str | None

    @property
    def phone(self) -> str:
        """The person's number: whose conversation this update belongs to."""
        return self.recipient_phone

    @property
    def event_id(self) -> str:
        return stable_event_id(WIRE, self.provider_message_id, self.status)

    def event(self, provider: Provider, channel_id: str) -> MessageStatus:
        return MessageStatus(
            provider=provider,
            channel_id=channel_id,
            provider_message_id=self.provider_message_id,
            recipient_phone=self.recipient_phone,
            status=self.status,  # one of STATUSES, checked when read
            occurred_at=self.occurred_at,
            error_code=self.error_code,
            error_title=self.error_title,
        )


@dataclass
class Change:
    """One ``entry[].changes[]`` item of ``field: messages``, for one business number."""

    phone_number_id: str | None
    messages: list[Inbound] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_changes(doc: dict[str, Any]) -> list[Change]:
    """Every ``messages`` change of a decoded webhook, in payload order. Changes of other
    fields (account or template updates) carry nothing to publish; the raw log keeps them."""
    changes: list[Change] = []
    for entry in doc["entry"]:
        for raw in _dicts(entry.get("changes")):
            if raw.get("field") != "messages":
                continue
            value = raw.get("value")
            changes.append(
                _read_value(value) if isinstance(value, dict) else _problem("change has no value")
            )
    return changes


def _problem(reason: str) -> Change:
    return Change(phone_number_id=None, problems=[reason])


def _read_value(value: dict[str, Any]) -> Change:
    metadata = value.get("metadata")
    pnid = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
    if not isinstance(pnid, str) or not pnid:
        return _problem("change has no metadata.phone_number_id")
    change = Change(phone_number_id=pnid)
    names = _profile_names(value.get("contacts"))
    for raw in _dicts(value.get("messages")):
        try:
            change.messages.append(_read_message(raw, names))
        except (KeyError, TypeError, ValueError) as exc:
            change.problems.append(f"message {raw.get('id')!r} unreadable: {exc}")
    for raw in _dicts(value.get("statuses")):
        try:
            change.statuses.append(_read_status(raw))
        except (KeyError, TypeError, ValueError) as exc:
            change.problems.append(f"status {raw.get('id')!r} unreadable: {exc}")
    return change


def _profile_names(contacts: Any) -> dict[str, str]:
    """``contacts[]`` maps each sender's wa_id to the name on their WhatsApp profile."""
    names: dict[str, str] = {}
    for contact in _dicts(contacts):
        wa_id, profile = contact.get("wa_id"), contact.get("profile")
        if isinstance(wa_id, str) and isinstance(profile, dict):
            name = profile.get("name")
            if isinstance(name, str):
                names[wa_id] = name
    return names


def _read_message(raw: dict[str, Any], names: dict[str, str]) -> Inbound:
    wa_id = _text(raw, "from")
    kind = _text(raw, "type")
    content, context = _dict(raw, kind), _dict(raw, "context")
    return Inbound(
        provider_message_id=_text(raw, "id"),
        from_phone=e164(wa_id),
        profile_name=names.get(wa_id),
        sent_at=_timestamp(raw),
        kind=kind,
        text=_optional(content, "body") if kind == "text" else None,
        media=_media(content) if kind in MEDIA_KINDS else None,
        reply_to_message_id=_optional(context, "id"),
    )


def _media(content: dict[str, Any]) -> MediaRef | None:
    media_id = _optional(content, "id")
    if media_id is None:
        return None
    return MediaRef(
        provider_media_id=media_id,
        mime_type=_optional(content, "mime_type"),
        caption=_optional(content, "caption"),
        filename=_optional(content, "filename"),
    )


def _read_status(raw: dict[str, Any]) -> StatusUpdate:
    status = _text(raw, "status")
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    errors = list(_dicts(raw.get("errors")))
    code = errors[0].get("code") if errors else None
    return StatusUpdate(
        provider_message_id=_text(raw, "id"),
        recipient_phone=e164(_text(raw, "recipient_id")),
        status=status,
        occurred_at=_timestamp(raw),
        error_code=code if isinstance(code, int) else None,
        error_title=_optional(errors[0], "title") if errors else None,
    )


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _dict(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f'"{key}" missing')
    return value


def _optional(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) else None


def _timestamp(raw: dict[str, Any]) -> datetime:
    """Meta's timestamps are Unix seconds, as a string."""
    try:
        return datetime.fromtimestamp(int(_text(raw, "timestamp")), UTC)
    except (OverflowError, OSError) as exc:  # a number, but no date
        raise ValueError(f"bad timestamp: {exc}") from None
