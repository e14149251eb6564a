"""What every webhook door shares: the size limit, the loggable headers, storing in one
(group) transaction (503 when the database cannot take it, so the provider retries), and the log."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from waops_observability import current_traceparent, get_logger, metrics
from waops_service_kit import ApiError, json_error

from webhook_adapter.adapters.channels import Channel
from webhook_adapter.adapters.keyring import Keyring, KeyringUnavailable
from webhook_adapter.domain.channels import signing_secret
from webhook_adapter.domain.inbound import Batch
from webhook_adapter.handlers.group_commit import GroupCommit
from webhook_adapter.handlers.ingest import Outcome, Webhook
from webhook_adapter.settings import AdapterSettings

log = get_logger(__name__)

SETTINGS: web.AppKey[AdapterSettings] = web.AppKey("adapter_settings", AdapterSettings)
KEYRING: web.AppKey[Keyring] = web.AppKey("adapter_keyring", Keyring)
GROUP_COMMIT: web.AppKey[GroupCommit] = web.AppKey("adapter_group_commit", GroupCommit)
# Credentials never belong in the raw log.
_UNLOGGED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
STORAGE_ERRORS = (SQLAlchemyError, OSError, TimeoutError)


def storage_unavailable() -> web.Response:
    """The one answer when storage cannot keep up: 503 with Retry-After, so the provider
    retries the same webhook (its id makes the retry harmless). Never a 500: another 5xx
    would look like a bug."""
    answer = json_error(503, "STORAGE_UNAVAILABLE", "the webhook could not be stored; retry")
    answer.headers["Retry-After"] = "1"
    return answer


class StorageUnavailable(Exception):
    """The database could not take the webhook: answer 503 so the provider retries."""


async def read_body(request: web.Request, limit: int) -> bytes:
    """Refuse early on Content-Length; aiohttp's client_max_size (the same limit) enforces it
    while reading a body that did not announce its length."""
    too_large = ApiError(413, "PAYLOAD_TOO_LARGE", f"the body is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise too_large from None
    if not body:
        raise ApiError(400, "EMPTY_BODY", "the body is empty")
    return body


def require_content_type(request: web.Request, expected: str) -> None:
    if request.content_type != expected:
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", f"the body must be {expected}")


def loggable(request: web.Request) -> dict[str, str]:
    headers = request.headers
    return {
        name: ", ".join(headers.getall(name))
        for name in headers
        if name.lower() not in _UNLOGGED_HEADERS
    }


def own_secret(keyring: Keyring, channel: Channel) -> str | None:
    """The secret this channel's webhooks are signed with, if it has its own. Credentials a
    key cannot open count as none (logged): the default secret then decides."""
    if channel.credentials is None:
        return None
    try:
        return signing_secret(channel.provider, keyring.decrypt(channel.credentials))
    except KeyringUnavailable:
        log.warning("channel.credentials_unreadable", channel_id=channel.id)
        return None


async def store(
    request: web.Request,
    *,
    door: str,
    body: bytes,
    batches: list[Batch],
    accepts: Callable[[Channel], str | None] | None = None,
) -> Outcome:
    """Ingest in one transaction (shared with webhooks arriving at the same time, see
    ``group_commit``); ``accepts`` may refuse a channel (returns the reason)."""
    webhook = Webhook(
        door=door,
        body=body,
        headers=loggable(request),
        batches=batches,
        accepts=accepts,
        traceparent=current_traceparent(),
    )
    try:
        outcome = await request.app[GROUP_COMMIT].ingest(webhook)
    except STORAGE_ERRORS:
        log.exception("webhook.store_failed", door=door, bytes=len(body))
        raise StorageUnavailable from None
    if outcome.problems:
        metrics.BAD_INPUT.labels("WEBHOOK_QUARANTINED").inc()
        log.warning(
            "webhook.quarantined",
            door=door,
            webhook_event_id=outcome.webhook_event_id,
            reasons=outcome.problems,
        )
    log.info(
        "webhook.stored",
        door=door,
        webhook_event_id=outcome.webhook_event_id,
        published=outcome.published,
        duplicates=outcome.duplicates,
    )
    return outcome
