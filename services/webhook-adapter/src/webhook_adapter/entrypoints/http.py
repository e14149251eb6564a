"""Meta Cloud API webhook endpoint.

- ``GET /webhooks/meta``: the subscription handshake (hub.mode / hub.verify_token / hub.challenge).
- ``POST /webhooks/meta``: size, signature, content type and shape are checked before anything
  is stored; then the webhook is ingested in one transaction and answered 200 after commit.
  A database outage answers 503 so Meta retries later.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from waops_observability import get_logger, metrics
from waops_service_kit import RUNTIME, ApiError, json_error

from webhook_adapter.domain.meta import (
    SIGNATURE_HEADER,
    InvalidPayload,
    MalformedJson,
    decode_webhook,
    signature_valid,
)
from webhook_adapter.ingest import ingest
from webhook_adapter.settings import AdapterSettings

log = get_logger(__name__)

SETTINGS: web.AppKey[AdapterSettings] = web.AppKey("adapter_settings", AdapterSettings)
# Credentials never belong in the raw log.
_UNLOGGED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


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


async def receive_webhook(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await _read_body(request, settings.webhook_max_bytes)
    if not signature_valid(body, request.headers.get(SIGNATURE_HEADER), settings.meta_app_secret):
        raise ApiError(401, "INVALID_SIGNATURE", f"{SIGNATURE_HEADER} is missing or wrong")
    if request.content_type != "application/json":
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be application/json")
    try:
        doc = decode_webhook(body)
    except MalformedJson as exc:
        raise ApiError(400, "MALFORMED_JSON", f"the body is not UTF-8 JSON: {exc}") from None
    except InvalidPayload as exc:
        raise ApiError(400, "INVALID_PAYLOAD", str(exc)) from None

    runtime = request.app[RUNTIME]
    try:
        async with runtime.engine.begin() as conn:
            outcome = await ingest(
                conn, runtime.writer, body=body, headers=_loggable(request), doc=doc
            )
    except (SQLAlchemyError, OSError, TimeoutError):
        # Never 500: a 5xx other than this would look like a bug; 503 tells Meta to retry.
        log.exception("webhook.store_failed", bytes=len(body))
        return json_error(503, "STORAGE_UNAVAILABLE", "the webhook could not be stored; retry")

    if outcome.problems:
        metrics.BAD_INPUT.labels("WEBHOOK_QUARANTINED").inc()
        log.warning(
            "webhook.quarantined",
            webhook_event_id=outcome.webhook_event_id,
            reasons=outcome.problems,
        )
    log.info(
        "webhook.stored",
        webhook_event_id=outcome.webhook_event_id,
        published=outcome.published,
        duplicates=outcome.duplicates,
    )
    return web.json_response({"status": "ok"})


async def _read_body(request: web.Request, limit: int) -> bytes:
    """Refuse early on Content-Length; aiohttp's client_max_size (the same limit) enforces it
    while reading a body that did not announce its length."""
    too_large = ApiError(413, "PAYLOAD_TOO_LARGE", f"the body is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise too_large from None


def _loggable(request: web.Request) -> dict[str, str]:
    headers = request.headers
    return {
        name: ", ".join(headers.getall(name))
        for name in headers
        if name.lower() not in _UNLOGGED_HEADERS
    }


def routes(settings: AdapterSettings) -> Callable[[web.Application], None]:
    def add_routes(app: web.Application) -> None:
        app[SETTINGS] = settings
        app.router.add_get("/webhooks/meta", verify_subscription)
        app.router.add_post("/webhooks/meta", receive_webhook)

    return add_routes
