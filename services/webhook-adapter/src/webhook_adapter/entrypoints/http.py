"""The Cloud API family's webhook doors: Meta (``/webhooks/meta``) and 360dialog
(``/webhooks/360dialog``), one parser for both since 360dialog forwards Meta's payloads.

- ``GET /webhooks/meta``: the subscription handshake (hub.mode / hub.verify_token / hub.challenge).
- ``POST``: size, signature, content type and shape are checked before anything is stored;
  then the webhook is ingested in one transaction and answered 200 after commit. A database
  outage answers 503 so the provider retries. An unknown channel is stored, quarantined and
  answered 200: both providers retry anything else for days, and a person must look anyway.

Signatures: Meta signs with the app's secret (``X-Hub-Signature-256``); 360dialog optionally
(``x-360dialog-signature``, hex HMAC-SHA256) when a webhook secret is configured. The
environment's secret is tried first; a channel registered with a secret of its own is
checked against that, and a body signed with one channel's secret publishes nothing for
another channel it names.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from aiohttp import web
from waops_service_kit import RUNTIME, ApiError

from webhook_adapter.adapters import channels
from webhook_adapter.adapters.channels import Channel
from webhook_adapter.domain import meta
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

OK = {"status": "ok"}


async def verify_subscription(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    query = request.query
    token = query.get("hub.verify_token", "")
    challenge = query.get("hub.challenge")
    if (
        query.get("hub.mode") != "subscribe"
        or challenge is None
        or not hmac.compare_digest(token.encode(), settings.meta_verify_token.encode())
    ):
        raise ApiError(403, "VERIFICATION_FAILED", "hub.mode or hub.verify_token do not match")
    return web.Response(text=challenge, content_type="text/plain")


async def receive_meta(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await read_body(request, settings.webhook_max_bytes)
    header = request.headers.get(meta.SIGNATURE_HEADER)
    return await _receive(
        request,
        door="meta",
        body=body,
        default_secret=settings.meta_app_secret,
        given=header,
        valid=meta.signature_valid,
        header_name=meta.SIGNATURE_HEADER,
    )


async def receive_360dialog(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await read_body(request, settings.webhook_max_bytes)
    header = request.headers.get(meta.D360_SIGNATURE_HEADER)
    return await _receive(
        request,
        door="360dialog",
        body=body,
        default_secret=settings.d360_webhook_secret or None,
        given=header,
        valid=meta.d360_signature_valid,
        header_name=meta.D360_SIGNATURE_HEADER,
    )


async def _receive(
    request: web.Request,
    *,
    door: str,
    body: bytes,
    default_secret: str | None,
    given: str | None,
    valid: Callable[[bytes, str | None, str], bool],
    header_name: str,
) -> web.Response:
    try:
        signed_with = await _signer(request, body, default_secret, given, valid)
    except StorageUnavailable:
        return storage_unavailable()
    if signed_with is _FORGED:
        raise ApiError(401, "INVALID_SIGNATURE", f"{header_name} is missing or wrong")
    require_content_type(request, "application/json")
    try:
        doc = meta.decode_webhook(body)
    except meta.MalformedJson as exc:
        raise ApiError(400, "MALFORMED_JSON", f"the body is not UTF-8 JSON: {exc}") from None
    except meta.InvalidPayload as exc:
        raise ApiError(400, "INVALID_PAYLOAD", str(exc)) from None

    keyring = request.app[KEYRING]

    def accepts(channel: Channel) -> str | None:
        expected = own_secret(keyring, channel) or default_secret
        if expected == signed_with:
            return None
        return f"channel {channel.id} expects webhooks signed with its own secret"

    try:
        await store(request, door=door, body=body, batches=meta.read_changes(doc), accepts=accepts)
    except StorageUnavailable:
        return storage_unavailable()
    return web.json_response(OK)


_FORGED = "\x00forged"  # no secret verifies the body


async def _signer(
    request: web.Request,
    body: bytes,
    default_secret: str | None,
    given: str | None,
    valid: Callable[[bytes, str | None, str], bool],
) -> str | None:
    """The secret that signed the body (None: unsigned, allowed only where no secret is
    configured), or ``_FORGED``. Channels' own secrets are looked up only when the default
    one does not verify, so the usual webhook costs no extra query."""
    if given is None and default_secret is None:
        return None  # 360dialog without a configured secret: channels with one refuse it
    if default_secret is not None and valid(body, given, default_secret):
        return default_secret
    if given is None:
        return _FORGED
    keyring = request.app[KEYRING]
    try:
        async with request.app[RUNTIME].engine.connect() as conn:
            named = await channels.channels_for(conn, meta.addresses_named(body))
    except STORAGE_ERRORS:
        raise StorageUnavailable from None
    for channel in named.values():
        secret = own_secret(keyring, channel)
        if secret is not None and valid(body, given, secret):
            return secret
    return _FORGED
