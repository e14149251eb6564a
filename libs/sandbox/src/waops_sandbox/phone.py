"""The sandbox's phone: a person sending the business messages, through any provider.

``POST /_sandbox/phone/send`` builds the provider's real webhook for a message of any
``kind``, signs it as that provider does and posts it to the adapter's door for it:
``provider`` "meta" (default; ``X-Hub-Signature-256``), "360dialog" (the same payload,
``x-360dialog-signature`` when a secret is configured) or "twilio" (form-encoded,
``X-Twilio-Signature``). ``repeat`` delivers the same bytes N times (a provider's retry).
Each message opens the sender's customer-service window (``waops_sandbox.window``).
``POST /_sandbox/phone/status`` reports a status of a message waops sent (Meta's format);
``POST /_sandbox/webhook/verify`` plays Meta's subscription handshake.

``deliver_meta``, ``deliver_d360`` and ``deliver_twilio`` are the delivery helpers other
sandbox parts (automatic status callbacks) use.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from waops_sandbox import twilio_payloads
from waops_sandbox.http_input import json_object, json_or_text
from waops_sandbox.meta_payloads import (
    LEGACY_SIGNATURE_HEADER,
    SIGNATURE_HEADER,
    UnknownKind,
    digits,
    encode,
    message_content,
    message_webhook,
    sign,
    sign_sha1,
    status_webhook,
    verification_params,
)
from waops_sandbox.signing import D360_SIGNATURE_HEADER, d360_signature
from waops_sandbox.window import WINDOW, inbound_time

if TYPE_CHECKING:
    from waops_sandbox.app import SandboxConfig

MAX_REPEAT = 20
PROVIDERS = ("meta", "360dialog", "twilio")


@dataclass
class Phone:
    config: SandboxConfig
    sent: list[dict[str, Any]]  # what the sandbox's provider APIs accepted (for statuses)
    session: aiohttp.ClientSession | None = field(default=None, repr=False)


PHONE: web.AppKey[Phone] = web.AppKey("sandbox_phone", Phone)


def install(app: web.Application, config: SandboxConfig, sent: list[dict[str, Any]]) -> None:
    app[PHONE] = Phone(config, sent)

    async def client_session(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=config.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[PHONE].session = session
            yield

    app.cleanup_ctx.append(client_session)
    app.router.add_post("/_sandbox/phone/send", phone_send)
    app.router.add_post("/_sandbox/phone/status", phone_status)
    app.router.add_post("/_sandbox/webhook/verify", verify_webhook)


async def phone_send(request: web.Request) -> web.Response:
    """Play a customer's phone: one message of ``kind`` through ``provider``."""
    phone = request.app[PHONE]
    config = phone.config
    data = await json_object(request)
    sender, kind = data.get("from"), data.get("kind", "text")
    # Unnamed, the phone writes to the default channel (the provider waops is set up with).
    provider = data.get("provider", config.phone_provider)
    if not isinstance(sender, str) or not digits(sender):
        raise web.HTTPBadRequest(text='"from" (phone) and "text" are required')
    if kind == "text" and not isinstance(data.get("text"), str):
        raise web.HTTPBadRequest(text='"from" (phone) and "text" are required')
    if provider not in PROVIDERS:
        raise web.HTTPBadRequest(text=f'"provider" must be one of {", ".join(PROVIDERS)}')
    repeat = data.get("repeat", 1)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= MAX_REPEAT:
        raise web.HTTPBadRequest(text=f'"repeat" must be an integer from 1 to {MAX_REPEAT}')
    profile = data.get("profile_name") or f"Sandbox {digits(sender)[-4:]}"
    wrote_at = inbound_time(data.get("timestamp"))
    reply_to = data.get("reply_to") if isinstance(data.get("reply_to"), str) else None
    try:
        if provider == "twilio":
            params = twilio_payloads.inbound_params(
                account_sid=config.twilio_account_sid,
                to=data.get("to") or config.twilio_whatsapp_number,
                from_=sender,
                profile_name=profile,
                kind=kind,
                data=data,
                base_url=config.base_url,
                message_sid=data.get("message_id"),
                reply_to=reply_to,
            )
            message_id = params["MessageSid"]
            request.app[WINDOW].inbound(sender, wrote_at)
            results = [
                await deliver_twilio(request.app, params, url=data.get("webhook_url"))
                for _ in range(repeat)
            ]
        else:
            payload = message_webhook(
                data.get("phone_number_id") or config.phone_number_id,
                config.display_phone_number,
                from_wa_id=sender,
                profile_name=profile,
                content=message_content(kind, data),
                message_id=data.get("message_id"),
                timestamp=data.get("timestamp"),
                reply_to=reply_to,
            )
            message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
            request.app[WINDOW].inbound(sender, wrote_at)  # the person wrote: window open
            deliver = deliver_d360 if provider == "360dialog" else deliver_meta
            # Meta sends no trace context; a test may, to follow one message through waops.
            results = [
                await deliver(request.app, payload, traceparent=data.get("traceparent"))
                for _ in range(repeat)
            ]
    except UnknownKind as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    return web.json_response(
        {"message_id": message_id, "provider": provider, **results[-1], "deliveries": results}
    )


async def phone_status(request: web.Request) -> web.Response:
    """Report a status (sent/delivered/read/failed) for a message waops sent."""
    phone = request.app[PHONE]
    config = phone.config
    data = await json_object(request)
    wamid = data.get("message_id")
    sent = next((s for s in phone.sent if s["id"] == wamid), None)
    recipient = data.get("recipient_id") or (sent or {}).get("to")
    if not isinstance(wamid, str) or not recipient:
        raise web.HTTPBadRequest(text='"message_id" of a recorded send (or "recipient_id") needed')
    payload = status_webhook(
        config.phone_number_id,
        config.display_phone_number,
        message_id=wamid,
        recipient_id=recipient,
        status=data.get("status", "delivered"),
        errors=data.get("errors"),
    )
    return web.json_response({"message_id": wamid, **await deliver_meta(request.app, payload)})


async def verify_webhook(request: web.Request) -> web.Response:
    """Do what Meta does when a webhook URL is saved: the hub.challenge GET."""
    phone = request.app[PHONE]
    config = phone.config
    data = await json_object(request)
    token = data.get("verify_token") or config.verify_token
    if not config.webhook_url or not isinstance(token, str):
        raise web.HTTPConflict(text="no webhook_url or verify_token configured")
    challenge = str(secrets.randbelow(10**9))
    try:
        async with _session(request.app).get(
            config.webhook_url, params=verification_params(token, challenge)
        ) as resp:
            body = await resp.text()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise web.HTTPBadGateway(text=f"webhook unreachable: {exc!r}") from exc
    verified = status == 200 and body == challenge
    return web.json_response({"verified": verified, "status": status, "body": body})


async def deliver_meta(
    app: web.Application, payload: dict[str, Any], traceparent: str | None = None
) -> dict[str, Any]:
    """POST a Cloud API webhook to the adapter's /webhooks/meta, signed as Meta signs."""
    config = app[PHONE].config
    if not config.webhook_url:
        raise web.HTTPConflict(text="the sandbox has no webhook_url configured")
    body = encode(payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, config.app_secret),
        LEGACY_SIGNATURE_HEADER: sign_sha1(body, config.app_secret),
        "User-Agent": "facebookexternalua",
    }
    if traceparent:
        headers["traceparent"] = traceparent
    return await _post(app, config.webhook_url, body, headers)


async def deliver_d360(
    app: web.Application, payload: dict[str, Any], traceparent: str | None = None
) -> dict[str, Any]:
    """POST the same payload as 360dialog does to /webhooks/360dialog (signed only when a
    webhook secret is configured)."""
    config = app[PHONE].config
    if not config.d360_webhook_url:
        raise web.HTTPConflict(text="the sandbox has no d360_webhook_url configured")
    body = encode(payload)
    headers = {"Content-Type": "application/json"}
    if config.d360_webhook_secret:
        headers[D360_SIGNATURE_HEADER] = d360_signature(body, config.d360_webhook_secret)
    if traceparent:
        headers["traceparent"] = traceparent
    return await _post(app, config.d360_webhook_url, body, headers)


async def deliver_twilio(
    app: web.Application, params: dict[str, str], url: str | None = None
) -> dict[str, Any]:
    """POST form parameters as Twilio does, signed over ``url`` (default: the configured
    /webhooks/twilio URL, which must be the one the adapter believes it is called at)."""
    config = app[PHONE].config
    target = url or config.twilio_webhook_url
    if not target:
        raise web.HTTPConflict(text="the sandbox has no twilio_webhook_url configured")
    headers = twilio_payloads.signed_headers(target, params, config.twilio_auth_token)
    return await _post(app, target, twilio_payloads.encode_form(params), headers)


async def _post(
    app: web.Application, url: str, body: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    try:
        async with _session(app).post(url, data=body, headers=headers) as resp:
            text = await resp.text()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise web.HTTPBadGateway(text=f"webhook unreachable: {exc!r}") from exc
    return {"webhook_status": status, "webhook_body": json_or_text(text)}


def _session(app: web.Application) -> aiohttp.ClientSession:
    session = app[PHONE].session
    if session is None:
        raise web.HTTPServiceUnavailable(text="the sandbox is not started")
    return session
