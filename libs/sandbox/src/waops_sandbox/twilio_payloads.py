"""Twilio's WhatsApp webhooks as form parameters: inbound messages and status callbacks.

Pure functions, like ``meta_payloads``. Twilio posts ``application/x-www-form-urlencoded``
with ``From``/``To`` as ``whatsapp:+<E.164>``, ``MessageType`` naming the content,
``NumMedia``/``MediaUrlN``/``MediaContentTypeN`` for attachments (served by the account's
``/2010-04-01/Accounts/{sid}/Messages/{MessageSid}/Media/{MediaSid}``), ``ButtonText``/
``ButtonPayload`` for a tapped button, ``ListId``/``ListTitle`` for a list row, and signs the
URL plus the sorted parameters (``signing.twilio_signature``).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from waops_sandbox.meta_payloads import MEDIA_MIME, UnknownKind, digits
from waops_sandbox.signing import TWILIO_SIGNATURE_HEADER, twilio_signature

API_VERSION = "2010-04-01"
TWILIO_KINDS = (
    "text",
    "image",
    "document",
    "audio",
    "video",
    "sticker",
    "location",
    "button_reply",
    "list_reply",
    "quick_reply",
    "unsupported",
)


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def whatsapp(phone: str) -> str:
    return "whatsapp:+" + digits(phone)


def inbound_params(
    *,
    account_sid: str,
    to: str,
    from_: str,
    profile_name: str,
    kind: str,
    data: dict[str, Any],
    base_url: str,
    message_sid: str | None = None,
    reply_to: str | None = None,
) -> dict[str, str]:
    """What Twilio posts when a person sends the business's WhatsApp number a message."""
    sid = message_sid or new_sid()
    params = {
        "SmsMessageSid": sid,
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": account_sid,
        "From": whatsapp(from_),
        "To": whatsapp(to),
        "Body": "",
        "NumMedia": "0",
        "NumSegments": "1",
        "ProfileName": profile_name,
        "WaId": digits(from_),
        "SmsStatus": "received",
        "ReferralNumMedia": "0",
        "ApiVersion": API_VERSION,
        **_content(kind, data, account_sid, sid, base_url),
    }
    if reply_to:
        params["OriginalRepliedMessageSid"] = reply_to
        params["OriginalRepliedMessageSender"] = whatsapp(to)
    return params


def _content(
    kind: str, data: dict[str, Any], account_sid: str, sid: str, base_url: str
) -> dict[str, str]:
    if kind == "text":
        text = data.get("text")
        if not isinstance(text, str) or not text:
            raise UnknownKind('"text" is required for this kind')
        return {"MessageType": "text", "Body": text}
    if kind in MEDIA_MIME:
        media_sid = data.get("media_id") or new_sid("ME")
        url = f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}/Media/{media_sid}"
        return {
            "MessageType": kind,
            "Body": str(data.get("caption") or ""),
            "NumMedia": "1",
            "MediaUrl0": url,
            "MediaContentType0": str(data.get("mime_type") or MEDIA_MIME[kind]),
        }
    if kind == "location":
        lat, lon = data.get("latitude"), data.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            raise UnknownKind('"latitude" and "longitude" (numbers) are required for a location')
        found = {"MessageType": "location", "Latitude": str(lat), "Longitude": str(lon)}
        if data.get("address"):
            found["Address"] = str(data["address"])
        if data.get("name"):
            found["Label"] = str(data["name"])
        return found
    if kind in ("button_reply", "quick_reply"):
        title, payload = data.get("title"), data.get("payload") or data.get("reply_id")
        if not isinstance(title, str) or not isinstance(payload, str):
            raise UnknownKind('"title" and "payload" (or "reply_id") are required for a button')
        message_type = "button" if kind == "quick_reply" else "interactive"
        return {
            "MessageType": message_type,
            "Body": title,
            "ButtonText": title,
            "ButtonPayload": payload,
        }
    if kind == "list_reply":
        title, row = data.get("title"), data.get("reply_id")
        if not isinstance(title, str) or not isinstance(row, str):
            raise UnknownKind('"title" and "reply_id" are required for a list reply')
        found = {"MessageType": "interactive", "Body": title, "ListId": row, "ListTitle": title}
        if data.get("description"):
            found["ListDescription"] = str(data["description"])
        return found
    if kind == "unsupported":
        return {"MessageType": str(data.get("raw_type") or "unsupported")}
    raise UnknownKind(f'"kind" must be one of {", ".join(TWILIO_KINDS)} for twilio')


def status_params(
    *,
    account_sid: str,
    from_: str,
    to: str,
    message_sid: str,
    status: str,
    error_code: int | str | None = None,
    error_message: str | None = None,
) -> dict[str, str]:
    """A status callback for a message the business sent (``From`` is the business)."""
    params = {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": account_sid,
        "From": whatsapp(from_),
        "To": whatsapp(to),
        "ChannelPrefix": "whatsapp",
        "ChannelToAddress": "+" + digits(to),
        "ApiVersion": API_VERSION,
    }
    if status in ("read", "delivered"):
        params["EventType"] = status.upper()
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    if error_message:
        params["ErrorMessage"] = error_message
    return params


def encode_form(params: dict[str, str]) -> bytes:
    return urlencode(params).encode("ascii")


def signed_headers(url: str, params: dict[str, str], auth_token: str) -> dict[str, str]:
    """The headers Twilio sends with a webhook: form content type and its signature."""
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        TWILIO_SIGNATURE_HEADER: twilio_signature(url, params, auth_token),
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": secrets.token_hex(16),
    }
