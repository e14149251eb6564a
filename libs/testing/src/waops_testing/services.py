"""Run one service in-process for its service tests, on the test's own database and vhost."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import aio_pika
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from waops_contracts import CONTENT_TYPE, Envelope
from waops_messaging.outbox import amqp_headers
from waops_service_kit.provision import service_url
from waops_service_kit.settings import ServiceSettings

from waops_testing.plugin import Isolated
from waops_testing.poll import eventually

S = TypeVar("S", bound=ServiceSettings)


def settings_for(settings_cls: type[S], iso: Isolated, schema: str, **overrides: Any) -> S:
    values: dict[str, Any] = {
        "database_url": service_url(iso.admin_url, schema),
        "amqp_url": iso.amqp_url,
        "outbox_poll_interval": 0.2,
    }
    return settings_cls(**{**values, **overrides})


@contextlib.asynccontextmanager
async def running_service(
    create_app: Callable[[S], web.Application], settings: S
) -> AsyncIterator[TestClient[Any, Any]]:
    """Start the service's app (migrations, broker, consumers, relay) and wait until ready."""
    app = create_app(settings)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:

        async def ready() -> bool:
            resp = await client.get("/readyz")
            return resp.status == 200

        await eventually(ready, timeout=20, what="the service to be ready")
        yield client
    finally:
        await client.close()


async def publish(amqp_url: str, *envelopes: Envelope) -> None:
    """Publish events the way a relay does (confirmed, persistent, CloudEvents JSON)."""
    conn = await aio_pika.connect(amqp_url)
    try:
        channel = await conn.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            "waops.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        for env in envelopes:
            await exchange.publish(
                aio_pika.Message(
                    env.to_json_bytes(),
                    message_id=env.id,
                    content_type=CONTENT_TYPE,
                    headers=amqp_headers(env),
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=env.type,
            )
    finally:
        await conn.close()


class EventTap:
    """Every event published on ``waops.events`` with a matching routing key, as it arrives.

    Binds an exclusive, auto-deleted queue of its own, so it sees events without taking
    them from any service's queue.
    """

    def __init__(self, amqp_url: str, *routing_keys: str) -> None:
        self._url = amqp_url
        self._keys = routing_keys or ("#",)
        self.events: list[Envelope] = []
        self._conn: aio_pika.abc.AbstractRobustConnection | None = None

    async def __aenter__(self) -> EventTap:
        self._conn = await aio_pika.connect_robust(self._url)
        channel = await self._conn.channel()
        exchange = await channel.declare_exchange(
            "waops.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in self._keys:
            await queue.bind(exchange, key)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.events.append(Envelope.from_json_bytes(message.body))

    def of_type(self, event_type: str) -> list[Envelope]:
        return [e for e in self.events if e.type == event_type]

    async def wait_for(
        self, event_type: str, count: int = 1, timeout: float = 20.0
    ) -> list[Envelope]:
        async def enough() -> list[Envelope] | None:
            found = self.of_type(event_type)
            return found if len(found) >= count else None

        return await eventually(enough, timeout=timeout, what=f"{count} × {event_type}")

    async def __aexit__(self, *exc: object) -> None:
        if self._conn is not None:
            await self._conn.close()
