"""The adapter running in-process on the test's own database and vhost, with a phone's view
(signed Meta webhooks from waops_sandbox) and an EventTap on what it publishes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from waops_contracts import Envelope
from waops_contracts.events import MessageReceived, MessageStatus
from waops_sandbox import encode, sign
from waops_sandbox.signing import d360_signature, twilio_signature
from waops_sandbox.twilio_payloads import encode_form
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap, running_service, service_db, settings_for
from webhook_adapter.bootstrap import create_app
from webhook_adapter.settings import AdapterSettings

SECRET = "sandbox-app-secret"
TWILIO_TOKEN = "sandbox-twilio-auth-token"
ADMIN_TOKEN = "test-admin-token"
URL = "/webhooks/meta"
OBSERVED = (MessageReceived.event_type, MessageStatus.event_type)


@dataclass
class Adapter:
    client: Any
    db: asyncpg.Connection
    tap: EventTap

    async def post(
        self,
        payload: dict[str, Any] | bytes,
        *,
        secret: str | None = SECRET,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """POST a webhook as Meta does: Meta's encoding, signed over the exact bytes."""
        body = payload if isinstance(payload, bytes) else encode(payload)
        sent = {"Content-Type": content_type, **(headers or {})}
        if secret is not None:
            sent["X-Hub-Signature-256"] = sign(body, secret)
        resp = await self.client.post(URL, data=body, headers=sent)
        return resp.status, await resp.json()

    async def post_d360(
        self,
        payload: dict[str, Any] | bytes,
        *,
        secret: str | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """POST as 360dialog does: the Cloud API payload, signed only when it has a secret."""
        body = payload if isinstance(payload, bytes) else encode(payload)
        sent = {"Content-Type": content_type, **(headers or {})}
        if secret is not None:
            sent["x-360dialog-signature"] = d360_signature(body, secret)
        resp = await self.client.post("/webhooks/360dialog", data=body, headers=sent)
        return resp.status, await resp.json()

    async def post_twilio(
        self,
        params: dict[str, str] | bytes,
        *,
        token: str | None = TWILIO_TOKEN,
        signed_url: str | None = None,
        path: str = "/webhooks/twilio",
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str | dict[str, Any]]:
        """POST as Twilio does: form-encoded, signed over the URL it was configured with (by
        default the one this request goes to). Answers the status and the TwiML or JSON."""
        body = params if isinstance(params, bytes) else encode_form(params)
        sent = {"Content-Type": content_type, **(headers or {})}
        if token is not None and isinstance(params, dict):
            url = signed_url or str(self.client.make_url(path))
            sent["X-Twilio-Signature"] = twilio_signature(url, params, token)
        resp = await self.client.post(path, data=body, headers=sent)
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.text()

    async def admin(
        self, method: str, path: str, *, token: str | None = ADMIN_TOKEN, **kw: Any
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        resp = await self.client.request(method, "/v1/admin/channels" + path, headers=headers, **kw)
        return resp.status, await resp.json()

    async def count(self, table: str, where: str = "true") -> int:
        return int(await self.db.fetchval(f"SELECT count(*) FROM {table} WHERE {where}"))

    async def published(self, expected: int) -> list[Envelope]:
        """Every event the adapter has published, once its outbox holds ``expected`` rows and
        all are confirmed: the broker routed them before the confirm, so the tap is complete."""

        # Message events only: the media part of the adapter publishes events of its own.
        ours = "routing_key IN ('waops.message.received.v1', 'waops.message.status.v1')"

        async def confirmed() -> bool:
            rows = await self.count("outbox", ours)
            pending = await self.count("outbox", f"{ours} AND published_at IS NULL")
            return rows == expected and pending == 0

        await eventually(confirmed, what=f"{expected} outbox event(s) published")
        return list(await self.tap.settled())

    async def nothing_stored(self) -> bool:
        tables = ("webhook_events", "inbound_messages", "message_statuses", "outbox", "media")
        return all([await self.count(t) == 0 for t in tables])


StartAdapter = Callable[..., contextlib.AbstractAsyncContextManager[Adapter]]


@pytest.fixture
def start_adapter(isolated: Isolated) -> StartAdapter:
    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Adapter]:
        settings = settings_for(
            AdapterSettings, isolated, "webhook_adapter", admin_token=ADMIN_TOKEN
        )
        settings = settings.model_copy(update=overrides)  # may replace database_url too
        async with (
            EventTap(isolated.amqp_url, *OBSERVED) as tap,
            running_service(create_app, settings) as client,
            service_db(isolated, "webhook_adapter") as db,
        ):
            yield Adapter(client, db, tap)

    return start
