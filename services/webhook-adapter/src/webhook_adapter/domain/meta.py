"""The Cloud API webhook family (Meta, and 360dialog which forwards Meta's payloads as they
are): the signature, the envelope, and every message type and status in it.

Pure functions. The body is checked and parsed from the exact bytes the provider signed
(Meta escapes non-ASCII as ``\\uXXXX``; re-serialising would break the signature). What cannot
be read item by item is reported as a *problem* rather than raised: the webhook is authentic
and already stored, so it is quarantined for a person to look at instead of refused (a
refusal would only make the provider retry the same bytes for days).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, get_args

from waops_contracts.events import MessageStatus
from waops_contracts.events.messages import (
    ConversationInfo,
    Location,
    MediaRef,
    Order,
    OrderItem,
    Pricing,
    Reaction,
    Referral,
    Reply,
    ReplyContext,
    SharedContact,
    StatusError,
    SystemNotice,
)

from webhook_adapter.domain.inbound import (
    MEDIA_KINDS,
    UNSUPPORTED,
    Batch,
    Inbound,
    StatusUpdate,
    as_dict,
    dicts,
    e164,
    optional,
    problem,
    required,
)

WIRE = "meta"  # the wire format, and the id space of its message ids (wamids)
SIGNATURE_HEADER = "X-Hub-Signature-256"
D360_SIGNATURE_HEADER = "x-360dialog-signature"
WEBHOOK_OBJECT = "whatsapp_business_account"
STATUSES = frozenset(get_args(MessageStatus.model_fields["status"].annotation))
# Cloud API "button" is a template's quick-reply button; "interactive" carries its own type.
_INTERACTIVE = {"button_reply": "button_reply", "list_reply": "list_reply"}

Change = Batch  # the Cloud API's word: one entry[].changes[] item of field "messages"


class MalformedJson(ValueError):
    """The body is not UTF-8 JSON."""


class InvalidPayload(ValueError):
    """JSON, but not a WhatsApp Business Account webhook."""


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed by the app secret>``."""
    if not header or not header.isascii() or not header.startswith("sha256="):
        return False
    return _hex_hmac_matches(body, header.removeprefix("sha256="), app_secret)


def d360_signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """``x-360dialog-signature: <hex HMAC-SHA256 of the raw body, keyed by the secret>``."""
    if not header or not header.isascii():
        return False
    return _hex_hmac_matches(body, header.strip(), secret)


def _hex_hmac_matches(body: bytes, given: str, secret: str) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.lower().encode())


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


def addresses_named(body: bytes) -> set[str]:
    """The phone number ids a body names, read leniently *before* it is authenticated, only
    to find which channels' secrets may have signed it."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return set()
    found: set[str] = set()
    for entry in dicts(doc.get("entry") if isinstance(doc, dict) else None):
        for change in dicts(entry.get("changes")):
            pnid = optional(as_dict(as_dict(change, "value"), "metadata"), "phone_number_id")
            if pnid:
                found.add(pnid)
    return found


def read_changes(doc: dict[str, Any]) -> list[Batch]:
    """Every ``messages`` change of a decoded webhook, in payload order. Changes of other
    fields (account or template updates) carry nothing to publish; the raw log keeps them."""
    changes: list[Batch] = []
    for entry in doc["entry"]:
        for raw in dicts(entry.get("changes")):
            if raw.get("field") != "messages":
                continue
            value = raw.get("value")
            changes.append(
                _read_value(value) if isinstance(value, dict) else problem("change has no value")
            )
    return changes


def _read_value(value: dict[str, Any]) -> Batch:
    pnid = optional(as_dict(value, "metadata"), "phone_number_id")
    if not pnid:
        return problem("change has no metadata.phone_number_id")
    change = Batch(address=pnid)
    # Webhook-level errors (e.g. 131000 "Something went wrong") concern the number, not a
    # message: kept as problems so the webhook is quarantined with the reason.
    for error in dicts(value.get("errors")):
        change.problems.append(f"webhook error {error.get('code')}: {error.get('title')}")
    names = _profile_names(value.get("contacts"))
    for raw in _items(value, "messages", change):
        try:
            change.messages.append(read_message(raw, names))
        except (KeyError, TypeError, ValueError) as exc:
            change.problems.append(f"message {raw.get('id')!r} unreadable: {exc}")
    for raw in _items(value, "statuses", change):
        try:
            change.statuses.append(_read_status(raw))
        except (KeyError, TypeError, ValueError) as exc:
            change.problems.append(f"status {raw.get('id')!r} unreadable: {exc}")
    return change


def _items(value: dict[str, Any], key: str, change: Batch) -> list[dict[str, Any]]:
    items = value.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        change.problems.append(f'"{key}" is not a list')
        return []
    good = dicts(items)
    if len(good) != len(items):
        change.problems.append(f'{len(items) - len(good)} of "{key}" are not objects')
    return good


def _profile_names(contacts: Any) -> dict[str, str]:
    """``contacts[]`` maps each sender's wa_id to the name on their WhatsApp profile."""
    names: dict[str, str] = {}
    for contact in dicts(contacts):
        wa_id, name = optional(contact, "wa_id"), optional(as_dict(contact, "profile"), "name")
        if wa_id and name is not None:
            names[wa_id] = name
    return names


def read_message(raw: dict[str, Any], names: dict[str, str]) -> Inbound:
    wa_id = required(raw, "from")
    raw_type = required(raw, "type")
    base = Inbound(
        wire=WIRE,
        provider_message_id=required(raw, "id"),
        from_phone=e164(wa_id),
        profile_name=names.get(wa_id),
        sent_at=_timestamp(raw),
        kind=UNSUPPORTED,
        raw_type=raw_type,
        context=_context(raw),
        errors=tuple(_errors(raw.get("errors"))),
    )
    return _with_content(base, raw_type, raw)


def _with_content(base: Inbound, raw_type: str, raw: dict[str, Any]) -> Inbound:
    """The message's type-specific part (under the key named by its type), provider-neutral;
    unknown types stay unsupported."""
    content = as_dict(raw, raw_type)
    if raw_type == "text":
        return replace(base, kind="text", raw_type=None, text=required(content, "body"))
    if raw_type in MEDIA_KINDS:
        return replace(base, kind=raw_type, raw_type=None, media=_media(content))
    if raw_type == "location":
        return replace(base, kind="location", raw_type=None, location=_location(content))
    if raw_type == "contacts":
        contacts = tuple(_contact(c) for c in dicts(raw.get("contacts")))
        return replace(base, kind="contacts", raw_type=None, contacts=contacts)
    if raw_type == "interactive":
        kind = _INTERACTIVE.get(optional(content, "type") or "")
        if kind is None:  # e.g. nfm_reply (Flows): kept, not read
            return replace(base, raw_type=f"interactive.{optional(content, 'type')}")
        chosen = as_dict(content, kind)
        reply = Reply(
            kind=kind,
            id=optional(chosen, "id"),
            title=optional(chosen, "title"),
            description=optional(chosen, "description"),
        )
        return replace(base, kind=kind, raw_type=None, reply=reply, text=reply.title)
    if raw_type == "button":
        reply = Reply(
            kind="quick_reply",
            payload=optional(content, "payload"),
            title=optional(content, "text"),
        )
        return replace(base, kind="quick_reply", raw_type=None, reply=reply, text=reply.title)
    if raw_type == "reaction":
        emoji = optional(content, "emoji") or None  # absent or empty: the reaction was removed
        reaction = Reaction(
            message_id=required(content, "message_id"), emoji=emoji, removed=emoji is None
        )
        return replace(base, kind="reaction", raw_type=None, reaction=reaction)
    if raw_type == "order":
        return replace(base, kind="order", raw_type=None, order=_order(content))
    if raw_type == "system":
        new = optional(content, "new_wa_id") or optional(content, "wa_id")
        notice = SystemNotice(
            type=optional(content, "type"),
            body=optional(content, "body"),
            new_phone=e164(new) if new else None,
        )
        return replace(base, kind="system", raw_type=None, system=notice)
    return base  # "unsupported", "unknown", and types newer than this code


def _media(content: dict[str, Any]) -> MediaRef:
    voice = content.get("voice")
    return MediaRef(
        provider_media_id=required(content, "id"),
        mime_type=optional(content, "mime_type"),
        caption=optional(content, "caption"),
        filename=optional(content, "filename"),
        sha256=optional(content, "sha256"),
        voice=voice if isinstance(voice, bool) else None,
        url=optional(content, "url"),
    )


def _location(content: dict[str, Any]) -> Location:
    lat, lon = content.get("latitude"), content.get("longitude")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        raise ValueError("location needs numeric latitude and longitude")
    return Location(
        latitude=float(lat),
        longitude=float(lon),
        name=optional(content, "name"),
        address=optional(content, "address"),
        url=optional(content, "url"),
    )


def _contact(card: dict[str, Any]) -> SharedContact:
    phones = dicts(card.get("phones"))
    return SharedContact(
        formatted_name=optional(as_dict(card, "name"), "formatted_name"),
        phones=[p for p in (optional(x, "phone") for x in phones) if p],
        wa_ids=[w for w in (optional(x, "wa_id") for x in phones) if w],
        emails=[e for e in (optional(x, "email") for x in dicts(card.get("emails"))) if e],
        organization=optional(as_dict(card, "org"), "company"),
    )


def _order(content: dict[str, Any]) -> Order:
    items = []
    for item in dicts(content.get("product_items")):
        quantity, price = item.get("quantity"), item.get("item_price")
        items.append(
            OrderItem(
                product_retailer_id=required(item, "product_retailer_id"),
                quantity=quantity if isinstance(quantity, int) else None,
                item_price=float(price) if isinstance(price, int | float) else None,
                currency=optional(item, "currency"),
            )
        )
    return Order(
        catalog_id=optional(content, "catalog_id"), text=optional(content, "text"), items=items
    )


def _context(raw: dict[str, Any]) -> ReplyContext | None:
    context, referral = raw.get("context"), raw.get("referral")
    if not isinstance(context, dict) and not isinstance(referral, dict):
        return None
    context = context if isinstance(context, dict) else {}
    sender = optional(context, "from")
    return ReplyContext(
        message_id=optional(context, "id"),
        from_phone=e164(sender) if sender else None,
        forwarded=context.get("forwarded") is True,
        frequently_forwarded=context.get("frequently_forwarded") is True,
        referred_product_id=optional(as_dict(context, "referred_product"), "product_retailer_id"),
        referral=_referral(referral) if isinstance(referral, dict) else None,
    )


def _referral(raw: dict[str, Any]) -> Referral:
    return Referral(
        source_url=optional(raw, "source_url"),
        source_id=optional(raw, "source_id"),
        source_type=optional(raw, "source_type"),
        headline=optional(raw, "headline"),
        body=optional(raw, "body"),
        media_type=optional(raw, "media_type"),
        ctwa_clid=optional(raw, "ctwa_clid"),
    )


def _errors(raw: Any) -> list[StatusError]:
    return [
        StatusError(
            code=e.get("code") if isinstance(e.get("code"), int) else None,
            title=optional(e, "title"),
            message=optional(e, "message"),
            details=optional(as_dict(e, "error_data"), "details"),
        )
        for e in dicts(raw)
    ]


def _read_status(raw: dict[str, Any]) -> StatusUpdate:
    status = required(raw, "status")
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    conversation, pricing = as_dict(raw, "conversation"), as_dict(raw, "pricing")
    billable = pricing.get("billable")
    return StatusUpdate(
        wire=WIRE,
        provider_message_id=required(raw, "id"),
        recipient_phone=e164(required(raw, "recipient_id")),
        status=status,
        provider_status=status,
        occurred_at=_timestamp(raw),
        errors=tuple(_errors(raw.get("errors"))),
        pricing=Pricing(
            billable=billable if isinstance(billable, bool) else None,
            pricing_model=optional(pricing, "pricing_model"),
            category=optional(pricing, "category"),
            type=optional(pricing, "type"),
        )
        if pricing
        else None,
        conversation=ConversationInfo(
            id=optional(conversation, "id"),
            origin_type=optional(as_dict(conversation, "origin"), "type"),
            expires_at=_timestamp(conversation, "expiration_timestamp")
            if "expiration_timestamp" in conversation
            else None,
        )
        if conversation
        else None,
        client_reference=optional(raw, "biz_opaque_callback_data"),
    )


def _timestamp(raw: dict[str, Any], key: str = "timestamp") -> datetime:
    """The Cloud API's timestamps are Unix seconds, as a string (sometimes a number)."""
    value = raw.get(key)
    try:
        return datetime.fromtimestamp(
            int(value if isinstance(value, int) else required(raw, key)), UTC
        )
    except (OverflowError, OSError) as exc:  # a number, but no date
        raise ValueError(f"bad timestamp: {exc}") from None
