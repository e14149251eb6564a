"""Twilio Messages API for WhatsApp senders.

``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json``, HTTP basic auth (account sid,
auth token), form fields ``From``/``To`` as ``whatsapp:+E164``, then per kind:
- text: ``Body``; media: ``MediaUrl`` (+ ``Body`` as caption) — Twilio fetches media from a
  public URL, so media by uploaded id cannot be sent (refused here, ``drop``);
- template: ``ContentSid`` (the approved content, HX…) + ``ContentVariables`` (JSON of the
  numbered variables); a template without a content sid cannot go out through Twilio (``drop``);
- buttons / list: Twilio has no free-form interactive messages. With a ``content_sid`` (an
  approved ``twilio/quick-reply`` or ``twilio/list-picker`` content) it is sent as a template;
  without, as numbered text (``1. …``) the customer answers by number;
- mark-as-read: Twilio's Messages API has none; nothing is sent and the request succeeds.
``StatusCallback`` (the adapter's ``/webhooks/twilio``) is added when a public URL is known.
Answers: 201 with the Message resource (``sid`` SM…, ``status`` queued); errors are
``{"code", "message", "more_info", "status"}``, decided by Twilio's codes.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
from waops_service_kit.providers import TWILIO_REFERENCE_PARAM

from notifier.adapters.providers.base import (
    MediaFile,
    PermanentProviderError,
    ProviderBase,
    ProviderError,
    SendResult,
    TransientProviderError,
)
from notifier.adapters.providers.http import Answer, exchange
from notifier.domain.content import (
    Buttons,
    Content,
    ListMessage,
    MarkRead,
    Media,
    Template,
    Text,
    numbered_choices,
)
from notifier.domain.decisions import decide_twilio

DEFAULT_URL = "https://api.twilio.com"


def whatsapp_address(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        raise PermanentProviderError(None, f"recipient {phone!r} has no digits")
    return f"whatsapp:+{digits}"


def render(
    to_phone: str, from_number: str, content: Content, status_callback: str | None = None
) -> list[tuple[str, str]]:
    """The form fields of one create-message request."""
    fields = [("To", whatsapp_address(to_phone)), ("From", whatsapp_address(from_number))]
    match content:
        case Text():
            fields.append(("Body", content.body))
        case Media():
            if content.link is None:
                raise PermanentProviderError(
                    None, "Twilio sends media by public URL only, not by uploaded media id"
                )
            fields.append(("MediaUrl", content.link))
            if content.caption:
                fields.append(("Body", content.caption))
        case Template():
            sid = content.content_sid or (content.name if content.name.startswith("HX") else None)
            if sid is None:
                raise PermanentProviderError(
                    None, f"template {content.name!r} has no Twilio content sid (HX…)"
                )
            fields.append(("ContentSid", sid))
            if variables := content.variables():
                fields.append(("ContentVariables", json.dumps(variables)))
        case Buttons() | ListMessage():
            if content.content_sid:
                fields.append(("ContentSid", content.content_sid))
            else:
                fields.append(("Body", numbered_choices(content)))
        case MarkRead():
            raise AssertionError("mark-as-read is not a Twilio request")
    if status_callback:
        fields.append(("StatusCallback", status_callback))
    return fields


def with_reference(url: str, reference: str) -> str:
    """The status callback URL carrying the send's reference as a query parameter."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != TWILIO_REFERENCE_PARAM]
    query.append((TWILIO_REFERENCE_PARAM, reference))
    return urlunsplit(parts._replace(query=urlencode(query)))


def twilio_error(answer: Answer) -> ProviderError:
    body = answer.body if isinstance(answer.body, dict) else {}
    code = body.get("code")
    return ProviderError.of(
        code if isinstance(code, int) else None,
        str(body.get("message") or f"HTTP {answer.status}: {answer.text[:200]}"),
        http_status=answer.status,
        details=body.get("more_info"),
        decide=decide_twilio,
    )


class TwilioProvider(ProviderBase):
    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        whatsapp_number: str,
        session: aiohttp.ClientSession,
        base_url: str = DEFAULT_URL,
        status_callback: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        basic = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._auth = {"Authorization": f"Basic {basic}"}
        self._from = whatsapp_number
        self._session = session
        self._callback = status_callback
        self._timeout = timeout

    async def send(
        self, to_phone: str, content: Content, *, reference: str | None = None
    ) -> SendResult:
        if isinstance(content, MarkRead):
            return SendResult(provider_message_id=content.message_id, status="read")
        callback = self._callback
        if callback and reference:
            # Twilio has no field echoed back; its status callbacks go to this very URL.
            callback = with_reference(callback, reference)
        fields = render(to_phone, self._from, content, callback)
        answer = await self._call("POST", self._url, data=fields)
        sid = answer.body.get("sid") if isinstance(answer.body, dict) else None
        if not isinstance(sid, str):
            raise TransientProviderError(
                None, "Twilio accepted the message without a sid", http_status=answer.status
            )
        return SendResult(provider_message_id=sid, status=str(answer.body.get("status", "queued")))

    async def upload_media(self, data: bytes, mime_type: str, filename: str | None = None) -> str:
        raise PermanentProviderError(
            None, "Twilio has no media upload: send media by a public URL (Media.link)"
        )

    async def fetch_media(self, media_id: str) -> MediaFile:
        """Twilio's media ids are URLs (an inbound message's ``MediaUrl0``); fetching one
        needs the account's basic auth and follows Twilio's redirect to its CDN."""
        if not media_id.startswith(("http://", "https://")):
            raise PermanentProviderError(None, f"Twilio media are fetched by URL, not {media_id!r}")
        answer = await self._call("GET", media_id, binary=True)
        return MediaFile(data=answer.raw, mime_type=answer.content_type)

    async def _call(self, method: str, url: str, *, binary: bool = False, **kwargs: Any) -> Answer:
        answer = await exchange(
            self._session,
            method,
            url,
            timeout=self._timeout,
            headers=self._auth,
            binary=binary,
            **kwargs,
        )
        if not answer.ok:
            raise twilio_error(answer)
        return answer
