"""WhatsApp Cloud API wire formats: webhook payloads, their encoding and their signature.

Pure functions, so the sandbox, the adapter's tests and any fixture can build exactly what
Meta would send without a running server. The shapes follow the Cloud API webhook
reference: ``object: whatsapp_business_account`` -> ``entry[].changes[]`` with
``field: messages`` and a ``value`` carrying ``metadata``, ``contacts`` and ``messages``
(inbound) or ``statuses`` (delivery receipts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

WEBHOOK_OBJECT = "whatsapp_business_account"
SIGNATURE_HEADER = "X-Hub-Signature-256"
LEGACY_SIGNATURE_HEADER = "X-Hub-Signature"  # sha1, still sent by Meta next to the sha256 one

# Meta signs the escaped-unicode form of the body and also escapes these characters
# (documented for the Messenger platform, same webhook infrastructure). Reproducing them
# catches receivers that re-serialise JSON before checking the signature.
_META_ESCAPES = {"/": "\\/", "<": "\\u003C", "%": "\\u0025", "@": "\\u0040"}


def digits(phone: str) -> str:
    """A phone number as WhatsApp ids use it: digits only, no '+', spaces or dashes."""
    return "".join(ch for ch in phone if ch.isdigit())


def new_wamid() -> str:
    """A fresh message id shaped like Meta's (``wamid.`` + base64 of opaque bytes)."""
    return (
        "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + secrets.token_bytes(18)).decode()
    )


def _now() -> str:
    return str(int(time.time()))


def _envelope(
    phone_number_id: str,
    display_phone_number: str,
    value: dict[str, Any],
    waba_id: str | None = None,
) -> dict[str, Any]:
    body = {
        "messaging_product": "whatsapp",
        "metadata": {
            # Meta sends the display number as digits ("15550783881"), not formatted.
            "display_phone_number": digits(display_phone_number),
            "phone_number_id": phone_number_id,
        },
        **value,
    }
    return {
        "object": WEBHOOK_OBJECT,
        "entry": [
            {
                # entry.id is the WhatsApp Business Account id; the sandbox has one per number.
                "id": waba_id or f"{phone_number_id}0",
                "changes": [{"value": body, "field": "messages"}],
            }
        ],
    }


def text_message_webhook(
    phone_number_id: str,
    display_phone_number: str,
    from_wa_id: str,
    profile_name: str,
    text: str,
    message_id: str | None = None,
    timestamp: str | int | None = None,
) -> dict[str, Any]:
    """The webhook Meta posts when a customer sends the business a text message."""
    wa_id = digits(from_wa_id)
    return _envelope(
        phone_number_id,
        display_phone_number,
        {
            "contacts": [{"profile": {"name": profile_name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": message_id or new_wamid(),
                    "timestamp": str(timestamp) if timestamp is not None else _now(),
                    "text": {"body": text},
                    "type": "text",
                }
            ],
        },
    )


def status_webhook(
    phone_number_id: str,
    display_phone_number: str,
    message_id: str,
    recipient_id: str,
    status: str = "delivered",
    timestamp: str | int | None = None,
    errors: list[dict[str, Any]] | None = None,
    conversation_id: str | None = None,
    pricing_category: str = "service",
    biz_opaque_callback_data: str | None = None,
) -> dict[str, Any]:
    """The webhook Meta posts when a message the business sent changes status (with the
    send's ``biz_opaque_callback_data`` when it had one).

    ``status`` is one of sent, delivered, read, failed. Failed statuses carry ``errors``
    ([{code, title, message, error_data: {details}}]) and no conversation/pricing.
    """
    entry: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(timestamp) if timestamp is not None else _now(),
        "recipient_id": digits(recipient_id),
    }
    if biz_opaque_callback_data is not None:
        entry["biz_opaque_callback_data"] = biz_opaque_callback_data
    if status == "failed":
        entry["errors"] = errors or [
            {
                "code": 131026,
                "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "Message Undeliverable."},
            }
        ]
    elif status in ("sent", "delivered"):
        entry["conversation"] = {
            "id": conversation_id or secrets.token_hex(16),
            "origin": {"type": pricing_category},
        }
        entry["pricing"] = {
            "billable": True,
            "pricing_model": "CBP",
            "category": pricing_category,
        }
    return _envelope(phone_number_id, display_phone_number, {"statuses": [entry]})


def encode(payload: dict[str, Any]) -> bytes:
    """Serialise a webhook body the way Meta does: compact, ASCII-only, Meta's escapes."""
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    # These characters only ever occur inside JSON strings, so replacing them is safe.
    for char, escaped in _META_ESCAPES.items():
        text = text.replace(char, escaped)
    return text.encode("ascii")


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sign_sha1(body: bytes, app_secret: str) -> str:
    """The legacy ``X-Hub-Signature`` value (``sha1=`` + hex HMAC-SHA1)."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha1).hexdigest()
    return f"sha1={digest}"


def verification_params(verify_token: str, challenge: str) -> dict[str, str]:
    """The query Meta sends (GET) when a webhook URL is configured; the receiver must
    answer 200 with ``challenge`` as the body when ``verify_token`` is its own."""
    return {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}


# --- Every inbound message type (the phone's side of /_sandbox/phone/send) ---------------

PHONE_KINDS = (
    "text",
    "image",
    "document",
    "audio",
    "video",
    "sticker",
    "location",
    "contacts",
    "button_reply",
    "list_reply",
    "quick_reply",
    "reaction",
    "order",
    "unsupported",
)
MEDIA_MIME = {
    "image": "image/jpeg",
    "video": "video/mp4",
    "audio": "audio/ogg; codecs=opus",
    "document": "application/pdf",
    "sticker": "image/webp",
}


class UnknownKind(ValueError):
    """A kind the phone cannot send, or a kind without the fields it needs."""


def message_webhook(
    phone_number_id: str,
    display_phone_number: str,
    from_wa_id: str,
    profile_name: str,
    content: dict[str, Any],
    message_id: str | None = None,
    timestamp: str | int | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    """The webhook Meta posts for any inbound message; ``content`` is its type-specific part
    (``{"type": "image", "image": {...}}``, see ``message_content``). ``reply_to`` quotes an
    earlier message (``context``)."""
    wa_id = digits(from_wa_id)
    message: dict[str, Any] = {
        "from": wa_id,
        "id": message_id or new_wamid(),
        "timestamp": str(timestamp) if timestamp is not None else _now(),
        **content,
    }
    if reply_to:
        message["context"] = {"from": digits(display_phone_number), "id": reply_to}
    return _envelope(
        phone_number_id,
        display_phone_number,
        {
            "contacts": [{"profile": {"name": profile_name}, "wa_id": wa_id}],
            "messages": [message],
        },
    )


def message_content(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The type-specific part of an inbound message of ``kind``, from the fields in ``data``
    (as /_sandbox/phone/send takes them), shaped as the Cloud API's messages webhook."""
    if kind == "text":
        return {"type": "text", "text": {"body": _need(data, "text")}}
    if kind in MEDIA_MIME:
        media: dict[str, Any] = {
            "id": data.get("media_id") or f"sandbox-media-{secrets.randbelow(10**6)}",
            "mime_type": data.get("mime_type") or MEDIA_MIME[kind],
            "sha256": data.get("sha256") or secrets.token_hex(32),
        }
        if kind in ("image", "video", "document") and data.get("caption"):
            media["caption"] = data["caption"]
        if kind == "document":
            media["filename"] = data.get("filename") or "document.pdf"
        if kind == "audio":
            media["voice"] = bool(data.get("voice", False))
        if kind == "sticker":
            media["animated"] = bool(data.get("animated", False))
        return {"type": kind, kind: media}
    if kind == "location":
        location = {"latitude": _number(data, "latitude"), "longitude": _number(data, "longitude")}
        for key in ("name", "address", "url"):
            if data.get(key):
                location[key] = data[key]
        return {"type": "location", "location": location}
    if kind == "contacts":
        return {"type": "contacts", "contacts": [_contact(c) for c in _cards(data)]}
    if kind in ("button_reply", "list_reply"):
        reply = {"id": _need(data, "reply_id"), "title": _need(data, "title")}
        if kind == "list_reply" and data.get("description"):
            reply["description"] = data["description"]
        return {"type": "interactive", "interactive": {"type": kind, kind: reply}}
    if kind == "quick_reply":
        return {
            "type": "button",
            "button": {"payload": _need(data, "payload"), "text": _need(data, "title")},
        }
    if kind == "reaction":
        reaction = {"message_id": _need(data, "reaction_to")}
        if data.get("emoji"):  # no emoji: the person removed their reaction
            reaction["emoji"] = data["emoji"]
        return {"type": "reaction", "reaction": reaction}
    if kind == "order":
        items = data.get("items") or [
            {"product_retailer_id": "sku-1", "quantity": 1, "item_price": 100, "currency": "USD"}
        ]
        order = {"catalog_id": data.get("catalog_id") or "sandbox-catalog", "product_items": items}
        if data.get("text"):
            order["text"] = data["text"]
        return {"type": "order", "order": order}
    if kind == "unsupported":
        return {
            "type": "unsupported",
            "errors": [
                {
                    "code": 131051,
                    "title": "Message type unknown",
                    "message": "Message type unknown",
                    "error_data": {"details": "Message type is currently not supported."},
                }
            ],
        }
    raise UnknownKind(f'"kind" must be one of {", ".join(PHONE_KINDS)}')


def _need(data: dict[str, Any], key: str) -> Any:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise UnknownKind(f'"{key}" is required for this kind')
    return value


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise UnknownKind(f'"{key}" (a number) is required for a location')
    return float(value)


def _cards(data: dict[str, Any]) -> list[dict[str, Any]]:
    cards = data.get("contacts")
    if isinstance(cards, list) and cards and all(isinstance(c, dict) for c in cards):
        return cards
    return [{"name": "Sandbox Contact", "phone": "+9779800000000"}]


def _contact(card: dict[str, Any]) -> dict[str, Any]:
    """A contact card as WhatsApp sends it, from ``{"name", "phone", "email"}``."""
    name = str(card.get("name") or "Contact")
    shaped: dict[str, Any] = {"name": {"formatted_name": name, "first_name": name.split()[0]}}
    if card.get("phone"):
        shaped["phones"] = [
            {"phone": card["phone"], "wa_id": digits(str(card["phone"])), "type": "CELL"}
        ]
    if card.get("email"):
        shaped["emails"] = [{"email": card["email"], "type": "WORK"}]
    return shaped
