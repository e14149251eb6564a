"""Twilio's WhatsApp door: ``POST /webhooks/twilio`` takes inbound messages and status
callbacks alike (form-encoded, told apart by ``MessageStatus``).

Order of checks: size (413), content type (415), form encoding (400), then the channel and
its auth token (the channel's own, else ``WAOPS_TWILIO_AUTH_TOKEN``), then
``X-Twilio-Signature`` over ``WAOPS_PUBLIC_BASE_URL`` + path + query (401). Success is an empty
TwiML ``<Response/>``, so Twilio sends nothing back to the person.

Twilio does not retry a webhook that was answered with an error; it shows it in its console
(error 11200). So a problem a person must fix is answered as a 4xx JSON *after* the authentic
webhook was stored and quarantined: an unknown or disabled number is a 404 UNKNOWN_CHANNEL,
an unreadable message a 400 INVALID_PAYLOAD. A request no token authenticates is stored
nowhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from waops_service_kit import RUNTIME, ApiError
from waops_service_kit.providers import TWILIO_REFERENCE_PARAM

from webhook_adapter.adapters import channels
from webhook_adapter.domain import twilio
from webhook_adapter.domain.channels import refusal
from webhook_adapter.entrypoints.common import (
    KEYRING,
    SETTINGS,
    STORAGE_ERRORS,
    StorageUnavailable,
    own_secret,
    read_body,
    require_content_type,
    storage_unavailable,
    store,
)

FORM = "application/x-www-form-urlencoded"
DOOR = "twilio"


def signed_url(request: web.Request, public_base_url: str | None) -> str:
    """The URL Twilio was given (and signed): the public base URL when set, since behind a
    proxy or load balancer the request's own URL is not the one Twilio called."""
    if public_base_url:
        return public_base_url.rstrip("/") + request.path_qs
    return str(request.url)


async def receive_twilio(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await read_body(request, settings.webhook_max_bytes)
    require_content_type(request, FORM)
    try:
        pairs = twilio.decode_form(body)
    except twilio.MalformedForm as exc:
        raise ApiError(400, "MALFORMED_FORM", f"the body is not a UTF-8 form: {exc}") from None
    params = dict(pairs)
    address = twilio.business_address(params)

    try:
        async with request.app[RUNTIME].engine.connect() as conn:
            channel = await channels.channel_for(conn, address) if address else None
    except STORAGE_ERRORS:
        return storage_unavailable()
    token = (
        own_secret(request.app[KEYRING], channel) if channel is not None else None
    ) or settings.twilio_auth_token
    url = signed_url(request, settings.public_base_url)
    if not twilio.signature_valid(url, pairs, request.headers.get(twilio.SIGNATURE_HEADER), token):
        if channel is None and address is not None:
            raise ApiError(404, "UNKNOWN_CHANNEL", f"no Twilio channel for {address}")
        raise ApiError(401, "INVALID_SIGNATURE", f"{twilio.SIGNATURE_HEADER} is missing or wrong")

    reference = request.query.get(TWILIO_REFERENCE_PARAM) or None
    batch = twilio.read_params(params, datetime.now(UTC), reference)
    try:
        outcome = await store(request, door=DOOR, body=body, batches=[batch])
    except StorageUnavailable:
        return storage_unavailable()
    if address is not None:
        reason = refusal(DOOR, address, channel)
        if reason is not None:
            raise ApiError(404, "UNKNOWN_CHANNEL", reason)
    if outcome.problems:
        raise ApiError(400, "INVALID_PAYLOAD", "; ".join(outcome.problems))
    return web.Response(text=twilio.EMPTY_TWIML, content_type="text/xml")
