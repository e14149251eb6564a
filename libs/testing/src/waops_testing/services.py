"""Run one service in-process for its service tests, on the test's own database and vhost."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import aio_pika
import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY
from waops_contracts import CONTENT_TYPE, Envelope
from waops_messaging.outbox import amqp_headers
from waops_service_kit.db import asyncpg_dsn
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


@contextlib.asynccontextmanager
async def service_db(iso: Isolated, schema: str) -> AsyncIterator[asyncpg.Connection]:
    """A raw connection to the test's database on a service's schema, to read directly what
    the service stored, staged (outbox) or handled (inbox)."""
    conn = await asyncpg.connect(asyncpg_dsn(iso.admin_url))
    try:
        await conn.execute(f'SET search_path TO "{schema}"')
        yield conn
    finally:
        await conn.close()


def consumed(consumer: str, event_type: str, outcome: str) -> float:
    """How many deliveries this process's consumers finished with ``outcome`` (``handled``,
    ``duplicate``, ...): read from the kit's Prometheus counter, so a test can wait for a
    duplicate to have been recognised before asserting nothing changed."""
    labels = {"consumer": consumer, "event_type": event_type, "outcome": outcome}
    return REGISTRY.get_sample_value("waops_events_consumed_total", labels) or 0.0


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


async def queue_counts(amqp_url: str, queue: str) -> tuple[int, int]:
    """(ready messages, consumers) of a queue, from a passive declare."""
    conn = await aio_pika.connect(amqp_url)
    try:
        declared = await (await conn.channel()).declare_queue(queue, passive=True)
        result = declared.declaration_result
        return result.message_count or 0, result.consumer_count or 0
    finally:
        await conn.close()


class EventTap:
    """Every event published on ``waops.events`` with a matching routing key, as it arrives.

    Binds an exclusive, auto-deleted queue of its own, so it sees events without taking
    them from any service's queue.
    """

    _MARKER = "waops.testing.tap-marker"  # AMQP ``type`` of settled()'s own messages

    def __init__(self, amqp_url: str, *routing_keys: str) -> None:
        self._url = amqp_url
        self._keys = routing_keys or ("#",)
        self.events: list[Envelope] = []
        self._conn: aio_pika.abc.AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._queue_name = ""
        self._deliveries = 0
        self._markers: dict[str, int] = {}

    async def __aenter__(self) -> EventTap:
        self._conn = await aio_pika.connect_robust(self._url)
        self._channel = channel = await self._conn.channel()
        exchange = await channel.declare_exchange(
            "waops.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        self._queue_name = queue.name
        for key in self._keys:
            await queue.bind(exchange, key)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self._deliveries += 1
        if message.type == self._MARKER and message.message_id is not None:
            self._markers[message.message_id] = message.delivery_tag or 0
            return
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

    async def first(
        self, match: Callable[[Envelope], bool], *, what: str, timeout: float = 20.0
    ) -> Envelope:
        """The first event (in arrival order) that ``match`` accepts, waiting for it."""

        async def found() -> Envelope | None:
            return next((e for e in self.events if match(e)), None)

        return await eventually(found, timeout=timeout, what=what)

    async def settled(self, timeout: float = 20.0) -> list[Envelope]:
        """Every event routed to the tap so far, with none still on its way; returns ``events``.

        Use it before asserting an exact count or an absence ("nothing more was published"):
        first wait until the publisher's outbox has no unpublished rows (its relay marks a row
        only after the broker's confirm, and the broker confirms only once the event sits in
        this tap's queue), then ``await tap.settled()``. It sends a marker into the tap's own
        queue, behind everything already there, and waits until the marker and every delivery
        before it have been received, so ``events`` is complete up to that moment.
        """
        assert self._channel is not None, "use EventTap as `async with`"
        marker = uuid.uuid4().hex
        await self._channel.default_exchange.publish(
            aio_pika.Message(b"", message_id=marker, type=self._MARKER),
            routing_key=self._queue_name,
        )

        async def caught_up() -> bool:
            tag = self._markers.get(marker)
            return tag is not None and self._deliveries >= tag

        await eventually(caught_up, timeout=timeout, what="the tap to catch up with its queue")
        return self.events

    async def __aexit__(self, *exc: object) -> None:
        if self._conn is not None:
            await self._conn.close()
