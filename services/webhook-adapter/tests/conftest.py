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
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap, running_service, service_db, settings_for
from webhook_adapter.bootstrap import create_app
from webhook_adapter.settings import AdapterSettings

SECRET = "sandbox-app-secret"
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

    async def count(self, table: str, where: str = "true") -> int:
        return int(await self.db.fetchval(f"SELECT count(*) FROM {table} WHERE {where}"))

    async def published(self, expected: int) -> list[Envelope]:
        """Every event the adapter has published, once its outbox holds ``expected`` rows and
        all are confirmed: the broker routed them before the confirm, so the tap is complete."""

        async def confirmed() -> bool:
            rows = await self.count("outbox")
            pending = await self.count("outbox", "published_at IS NULL")
            return rows == expected and pending == 0

        await eventually(confirmed, what=f"{expected} outbox event(s) published")
        return list(await self.tap.settled())

    async def nothing_stored(self) -> bool:
        tables = ("webhook_events", "inbound_messages", "message_statuses", "outbox")
        return all([await self.count(t) == 0 for t in tables])


StartAdapter = Callable[..., contextlib.AbstractAsyncContextManager[Adapter]]


@pytest.fixture
def start_adapter(isolated: Isolated) -> StartAdapter:
    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Adapter]:
        settings = settings_for(AdapterSettings, isolated, "webhook_adapter")
        settings = settings.model_copy(update=overrides)  # may replace database_url too
        async with (
            EventTap(isolated.amqp_url, *OBSERVED) as tap,
            running_service(create_app, settings) as client,
            service_db(isolated, "webhook_adapter") as db,
        ):
            yield Adapter(client, db, tap)

    return start
