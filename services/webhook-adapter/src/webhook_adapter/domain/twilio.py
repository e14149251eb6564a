"""Twilio's WhatsApp webhooks: form-encoded inbound messages and status callbacks.

Pure functions. Twilio signs ``X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL +
every POST parameter name and value, names sorted, values of a repeated name sorted))``
over the URL it was configured with, so the adapter checks against its public URL, not the
one a proxy forwarded to it. Twilio sends no message timestamp: the receipt time stands in.

Status mapping (Twilio ``MessageStatus`` → neutral ``status``):

- ``sent`` → sent, ``delivered`` → delivered, ``read`` → read, ``failed`` → failed;
- ``undelivered`` → failed (Twilio could hand it over but WhatsApp could not deliver it),
  ``canceled`` → failed (a scheduled send that never left); ``provider_status`` keeps the
  original word and ``ErrorCode``/``ErrorMessage`` become the status's error;
- ``accepted``, ``scheduled``, ``queued``, ``sending`` are Twilio's own steps before WhatsApp
  has the message: no neutral counterpart and no event (the send's API answer already told
  the notifier as much); the raw log keeps them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from waops_contracts.events.messages import (
    Location,
    MediaRef,
    Referral,
    Reply,
    ReplyContext,
    StatusError,
)

from webhook_adapter.domain.inbound import (
    MEDIA_KINDS,
    UNSUPPORTED,
    Batch,
    Inbound,
    StatusUpdate,
    e164,
)

WIRE = "twilio"  # the id space of MessageSids
SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
STATUS_MAP = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
    "canceled": "failed",
}
BEFORE_WHATSAPP = frozenset({"accepted", "scheduled", "queued", "sending"})
INBOUND_STATES = frozenset({"received", "receiving"})


class MalformedForm(ValueError):
    """Not a UTF-8 ``application/x-www-form-urlencoded`` body."""


def decode_form(body: bytes) -> list[tuple[str, str]]:
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedForm(str(exc) or "empty body") from None
    return pairs


def compute_signature(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    grouped: dict[str, set[str]] = {}
    for name, value in params:
        grouped.setdefault(name, set()).add(value)
    payload = url + "".join(n + v for n in sorted(grouped) for v in sorted(grouped[n]))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_valid(
    url: str, params: list[tuple[str, str]], header: str | None, auth_token: str
) -> bool:
    """As twilio's ``RequestValidator``: the URL with and without its default port both
    count, since Twilio is not consistent about which one it signs."""
    if not header or not header.isascii():
        return False
    return any(
        hmac.compare_digest(compute_signature(u, params, auth_token).encode(), header.encode())
        for u in _port_variants(url)
    )


def _port_variants(url: str) -> set[str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = userinfo + "@" if userinfo else ""
    without = urlunsplit(parts._replace(netloc=prefix + host))
    with_port = urlunsplit(parts._replace(netloc=f"{prefix}{host}:{port}"))
    return {url, without, with_port}


def is_status_callback(params: Mapping[str, str]) -> bool:
    status = params.get("MessageStatus") or ""
    return bool(status) and status not in INBOUND_STATES


def business_address(params: Mapping[str, str]) -> str | None:
    """The business's own number: ``To`` of an inbound message, ``From`` of a status."""
    raw = params.get("From") if is_status_callback(params) else params.get("To")
    try:
        return e164(raw) if raw else None
    except ValueError:
        return None


def read_params(
    params: Mapping[str, str], received_at: datetime, reference: str | None = None
) -> Batch:
    """One webhook is one message or one status, for the business number it names;
    ``reference``: the send's, from the status callback URL it came to."""
    address = business_address(params)
    batch = Batch(address=address)
    if address is None:
        batch.problems.append("no business number (To/From) in the webhook")
        return batch
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    try:
        if not sid:
            raise ValueError('"MessageSid" missing')
        if is_status_callback(params):
            status = _status(sid, params, received_at, reference)
            if status is not None:
                batch.statuses.append(status)
        else:
            batch.messages.append(_message(sid, params, received_at))
    except ValueError as exc:
        batch.problems.append(
            f"{'status' if is_status_callback(params) else 'message'} {sid!r} unreadable: {exc}"
        )
    return batch


def _status(
    sid: str, params: Mapping[str, str], at: datetime, reference: str | None
) -> StatusUpdate | None:
    word = params["MessageStatus"]
    if word in BEFORE_WHATSAPP:
        return None
    status = STATUS_MAP.get(word)
    if status is None:
        raise ValueError(f"unknown status {word!r}")
    code = params.get("ErrorCode") or ""
    errors: tuple[StatusError, ...] = ()
    if code:
        errors = (
            StatusError(
                code=int(code) if code.isdigit() else None,
                title=params.get("ErrorMessage") or None,
                message=params.get("ChannelStatusMessage") or None,
            ),
        )
    return StatusUpdate(
        wire=WIRE,
        provider_message_id=sid,
        recipient_phone=e164(_required(params, "To")),
        status=status,
        provider_status=word,
        occurred_at=at,
        errors=errors,
        client_reference=reference,
    )


def _message(sid: str, params: Mapping[str, str], at: datetime) -> Inbound:
    media = _media(params)
    body = params.get("Body") or None
    base = Inbound(
        wire=WIRE,
        provider_message_id=sid,
        from_phone=e164(_required(params, "From")),
        profile_name=params.get("ProfileName") or None,
        sent_at=at,
        kind=UNSUPPORTED,
        context=_context(params),
    )
    kind = _kind(params, media)
    if kind in MEDIA_KINDS:
        if not media:
            raise ValueError(f"a {kind} message without MediaUrl0")
        first = media[0].model_copy(update={"caption": body})
        return _replace(base, kind=kind, media=first, extra_media=tuple(media[1:]))
    if kind == "text":
        return _replace(base, kind="text", text=body or "")
    if kind == "location":
        return _replace(base, kind="location", location=_location(params))
    if kind in ("quick_reply", "button_reply", "list_reply"):
        reply = _reply(kind, params)
        return _replace(base, kind=kind, reply=reply, text=reply.title)
    raw_type = params.get("MessageType") or "unknown"
    return _replace(base, raw_type=raw_type, text=body, media=media[0] if media else None)


def _kind(params: Mapping[str, str], media: list[MediaRef]) -> str:
    """``MessageType`` when Twilio sends it; older webhooks are inferred from their fields."""
    declared = (params.get("MessageType") or "").lower()
    if declared == "button":
        return "quick_reply"  # a template's quick-reply button
    if declared == "interactive":
        return "list_reply" if params.get("ListId") else "button_reply"
    if declared in MEDIA_KINDS | {"text", "location"}:
        return declared
    if declared:
        return UNSUPPORTED
    if media:
        return _kind_of_mime(media[0].mime_type)
    if params.get("Latitude") and params.get("Longitude"):
        return "location"
    if params.get("ButtonPayload") or params.get("ButtonText"):
        return "quick_reply"
    return "text"


def _kind_of_mime(mime: str | None) -> str:
    major = (mime or "").split("/")[0]
    return major if major in ("image", "audio", "video") else "document"


def _media(params: Mapping[str, str]) -> list[MediaRef]:
    count = params.get("NumMedia") or "0"
    if not count.isdigit():
        raise ValueError(f"NumMedia {count!r} is not a number")
    refs = []
    for i in range(int(count)):
        url = params.get(f"MediaUrl{i}")
        if not url:
            raise ValueError(f"NumMedia is {count} but MediaUrl{i} is missing")
        refs.append(
            MediaRef(
                # .../Messages/{MessageSid}/Media/{MediaSid}: the sid is Twilio's media id.
                provider_media_id=urlsplit(url).path.rstrip("/").rpartition("/")[2] or url,
                mime_type=params.get(f"MediaContentType{i}") or None,
                url=url,
            )
        )
    return refs


def _location(params: Mapping[str, str]) -> Location:
    try:
        lat, lon = float(_required(params, "Latitude")), float(_required(params, "Longitude"))
    except ValueError as exc:
        raise ValueError(f"bad location: {exc}") from None
    return Location(
        latitude=lat,
        longitude=lon,
        name=params.get("Label") or None,
        address=params.get("Address") or None,
    )


def _reply(kind: str, params: Mapping[str, str]) -> Reply:
    if kind == "list_reply":
        return Reply(
            kind="list_reply",
            id=params.get("ListId") or None,
            title=params.get("ListTitle") or params.get("Body") or None,
            description=params.get("ListDescription") or None,
        )
    payload = params.get("ButtonPayload") or None
    return Reply(
        kind=kind,
        id=payload if kind == "button_reply" else None,
        title=params.get("ButtonText") or params.get("Body") or None,
        payload=payload,
    )


def _context(params: Mapping[str, str]) -> ReplyContext | None:
    replied = params.get("OriginalRepliedMessageSid") or None
    sender = params.get("OriginalRepliedMessageSender") or None
    forwarded = params.get("Forwarded") == "true"
    frequently = params.get("FrequentlyForwarded") == "true"
    referral = None
    if params.get("ReferralSourceId") or params.get("ReferralSourceUrl"):
        referral = Referral(
            source_url=params.get("ReferralSourceUrl") or None,
            source_id=params.get("ReferralSourceId") or None,
            source_type=params.get("ReferralSourceType") or None,
            headline=params.get("ReferralHeadline") or None,
            body=params.get("ReferralBody") or None,
            media_type=params.get("ReferralMediaContentType") or None,
            ctwa_clid=params.get("ReferralCtwaClid") or None,
        )
    if not (replied or forwarded or frequently or referral):
        return None
    return ReplyContext(
        message_id=replied,
        from_phone=e164(sender) if sender else None,
        forwarded=forwarded,
        frequently_forwarded=frequently,
        referral=referral,
    )


def _required(params: Mapping[str, str], key: str) -> str:
    value = params.get(key)
    if not value:
        raise ValueError(f'"{key}" missing')
    return value


def _replace(base: Inbound, **changes: object) -> Inbound:
    return replace(base, **changes)  # type: ignore[arg-type]
