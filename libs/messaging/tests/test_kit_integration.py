"""The event kit on real PostgreSQL and RabbitMQ: outbox, relay, inbox, parking, ordering."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aio_pika
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import Envelope, Event
from waops_messaging import (
    PARK_REASON_HEADER,
    Broker,
    Consumers,
    EventWriter,
    HandlerContext,
    HandlerRegistry,
    OutboxRelay,
    QueueSpec,
)
from waops_messaging.outbox import amqp_headers
from waops_messaging.topology import PARTITION_HEADER, declare_queue
from waops_service_kit.db import asyncpg_dsn
from waops_service_kit.provision import service_url
from waops_testing import kit_probe
from waops_testing.kit_probe import SCHEMA, SOURCE, Pinged, Ponged, outbox_drained, record_effect
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import queue_counts

pytestmark = pytest.mark.integration


@dataclass
class Probe:
    """A little service made of the kit's parts, like every real one."""

    iso: Isolated
    engine: AsyncEngine
    writer: EventWriter = field(default_factory=lambda: EventWriter(SOURCE, SCHEMA))
    parts: list[tuple[Broker, OutboxRelay, Consumers | None]] = field(default_factory=list)

    async def start(self, registry: HandlerRegistry | None, *, relays: int = 1) -> None:
        listen_dsn = asyncpg_dsn(service_url(self.iso.admin_url, SCHEMA))
        for i in range(relays):
            broker = Broker(self.iso.amqp_url, name=f"kit-probe-{i}")
            consumers = None
            if registry is not None and i == 0:
                consumers = Consumers(
                    service="kit-probe",
                    broker=broker,
                    engine=self.engine,
                    writer=self.writer,
                    subscriptions=registry.subscriptions,
                    deps=None,
                    retry_backoff=0.01,
                )
            relay = OutboxRelay(
                self.engine, broker, schema=SCHEMA, listen_dsn=listen_dsn, poll_interval=0.2
            )
            broker.start()
            await broker.wait_connected(15)
            relay.start()
            self.parts.append((broker, relay, consumers))

    async def stop(self) -> None:
        for broker, relay, consumers in self.parts:
            if consumers:
                await consumers.stop()
            await relay.stop()
            await broker.stop()

    async def stage(
        self, *events: Event, tenant: str = "t1", partition: str | None = None
    ) -> list[Envelope]:
        async with self.engine.begin() as conn:
            return [
                await self.writer.write(conn, ev, tenant_id=tenant, partition_key=partition)
                for ev in events
            ]

    async def effects(self) -> list[tuple[str, int]]:
        return await kit_probe.effects(self.engine)


@pytest_asyncio.fixture
async def probe(isolated: Isolated, kit_engine: AsyncEngine) -> AsyncIterator[Probe]:
    p = Probe(isolated, kit_engine)
    yield p
    await p.stop()


def registry_for(spec: QueueSpec, *, always_fail: bool = False) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(spec)

    @registry.on(spec.name, Pinged)
    async def record_ping(ev: Pinged, ctx: HandlerContext[None]) -> None:
        await record_effect(ev, ctx)
        if always_fail or ev.fail:
            raise RuntimeError(f"cannot handle {ev.key}/{ev.seq}")
        await ctx.publish(Ponged(key=ev.key, seq=ev.seq))

    return registry


async def read_queue(amqp_url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    conn = await aio_pika.connect(amqp_url)
    try:
        ch = await conn.channel()
        q = await ch.declare_queue(queue, passive=True)
        got = []
        while (m := await q.get(no_ack=True, fail=False)) is not None:
            got.append(m)
        return got
    finally:
        await conn.close()


async def bind_spy(amqp_url: str, name: str, routing_key: str) -> None:
    conn = await aio_pika.connect(amqp_url)
    try:
        ch = await conn.channel()
        ex = await ch.declare_exchange("waops.events", aio_pika.ExchangeType.TOPIC, durable=True)
        q = await ch.declare_queue(name, durable=True)
        await q.bind(ex, routing_key)
    finally:
        await conn.close()


async def test_outbox_to_handler_to_outbox_carries_correlation(probe: Probe) -> None:
    spec = QueueSpec("kit-probe.pings", ("waops.test.pinged.v1",))
    await bind_spy(probe.iso.amqp_url, "spy.pongs", "waops.test.ponged.v1")
    await probe.start(registry_for(spec))
    [ping] = await probe.stage(Pinged(key="a", seq=1))

    pongs = await eventually(lambda: read_queue(probe.iso.amqp_url, "spy.pongs"), what="a pong")
    pong = Envelope.from_json_bytes(pongs[0].body)
    assert pong.type == "waops.test.ponged.v1" and pong.data == {"key": "a", "seq": 1}
    assert pong.causationid == ping.id and pong.correlationid == ping.correlationid
    assert pong.tenantid == "t1"
    assert await probe.effects() == [("a", 1)]


async def test_duplicated_event_changes_nothing(probe: Probe) -> None:
    spec = QueueSpec("kit-probe.pings", ("waops.test.pinged.v1",))
    await probe.start(registry_for(spec))
    envelope = Envelope.wrap(Pinged(key="dup", seq=1), source="test", tenant_id="t1")
    async with probe.engine.begin() as conn:  # the same event staged under two outbox rows
        await conn.execute(
            text(
                "INSERT INTO outbox (event_id, routing_key, body) VALUES "
                "(:a, :rk, :b), (:c, :rk, :b)"
            ),
            {
                "a": envelope.id,
                "c": envelope.id + "-copy",
                "rk": envelope.type,
                "b": envelope.to_json_bytes(),
            },
        )
    await probe.stage(Pinged(key="after", seq=2))
    await eventually(lambda: _has(probe, ("after", 2)), what="the later event")
    assert (await probe.effects()).count(("dup", 1)) == 1


async def _has(probe: Probe, item: tuple[str, int]) -> bool:
    return item in await probe.effects()


async def test_poison_is_parked_with_reason_and_queue_keeps_flowing(probe: Probe) -> None:
    spec = QueueSpec("kit-probe.pings", ("waops.test.pinged.v1",), delivery_limit=3)
    await probe.start(registry_for(spec))
    await probe.stage(Pinged(key="bad", seq=1, fail=True))
    await probe.parts[0][0].publish(  # undecodable: not JSON at all
        "waops.test.pinged.v1",
        b"\xff not json",
        message_id="junk",
        headers={},
        content_type="application/cloudevents+json",
    )
    await probe.stage(Pinged(key="good", seq=2))

    parked: list = []

    async def two_parked() -> bool:
        parked.extend(await read_queue(probe.iso.amqp_url, "kit-probe.pings.parked"))
        return len(parked) >= 2

    await eventually(two_parked, timeout=30, what="two parked messages")
    reasons = sorted(str(m.headers[PARK_REASON_HEADER]) for m in parked)
    assert any("RuntimeError: cannot handle bad/1" in r for r in reasons)
    assert any(r.startswith("undecodable") for r in reasons)
    await eventually(lambda: _has(probe, ("good", 2)), what="the good event after the poison")
    assert ("bad", 1) not in await probe.effects()  # every failed attempt rolled back


async def test_two_relays_publish_each_event_exactly_once(probe: Probe) -> None:
    await bind_spy(probe.iso.amqp_url, "spy.pings", "waops.test.pinged.v1")
    await probe.start(None, relays=2)
    for batch in range(4):
        await probe.stage(*(Pinged(key="r", seq=batch * 50 + i) for i in range(50)))
    seen: list[int] = []

    async def all_seen() -> bool:
        seen.extend(
            Envelope.from_json_bytes(m.body).data["seq"]
            for m in await read_queue(probe.iso.amqp_url, "spy.pings")
        )
        return len(seen) >= 200

    await eventually(all_seen, timeout=30, what="200 published events")

    # A row is marked published only after its confirm, which may trail the delivery.
    await eventually(
        lambda: outbox_drained(probe.engine), timeout=15, what="every outbox row marked published"
    )
    # Settle: anything published twice would have reached the spy by now.
    seen.extend(
        Envelope.from_json_bytes(m.body).data["seq"]
        for m in await read_queue(probe.iso.amqp_url, "spy.pings")
    )
    assert sorted(seen) == list(range(200))


async def test_partitioned_queue_keeps_each_key_in_order(probe: Probe) -> None:
    spec = QueueSpec("kit-probe.ordered", ("waops.test.pinged.v1",), partitions=4)
    await probe.start(registry_for(spec))
    for seq in range(30):
        for key in ("k1", "k2", "k3"):
            await probe.stage(Pinged(key=key, seq=seq), partition=key)

    async def all_done() -> list | None:
        eff = await probe.effects()
        return eff if len(eff) >= 90 else None

    effects = await eventually(all_done, timeout=30, what="90 ordered effects")
    for key in ("k1", "k2", "k3"):
        assert [s for k, s in effects if k == key] == list(range(30))


async def test_ordered_partition_retries_in_place_without_being_overtaken(probe: Probe) -> None:
    spec = QueueSpec("kit-probe.ordered", ("waops.test.pinged.v1",), partitions=2)
    registry = HandlerRegistry()
    registry.queue(spec)
    failures = {3: 2}  # seq 3 fails twice before it succeeds

    @registry.on(spec.name, Pinged)
    async def flaky(ev: Pinged, ctx: HandlerContext[None]) -> None:
        if failures.get(ev.seq, 0) > 0:
            failures[ev.seq] -= 1
            raise RuntimeError("transient")
        await record_effect(ev, ctx)

    await probe.start(registry)
    await probe.stage(*(Pinged(key="k", seq=s) for s in range(8)), partition="k")

    async def all_done() -> list | None:
        eff = await probe.effects()
        return eff if len(eff) >= 8 else None

    effects = await eventually(all_done, timeout=30, what="8 effects")
    assert [s for _, s in effects] == list(range(8))


def test_the_partition_header_falls_back_to_the_subject_then_the_id() -> None:
    def header(**keys: str) -> str:
        env = Envelope.wrap(Pinged(key="k", seq=1), source="test", tenant_id="t1", **keys)
        return str(amqp_headers(env)[PARTITION_HEADER])

    assert header(partition_key="P", subject="BOOKING/1") == "P"
    assert header(subject="BOOKING/1") == "BOOKING/1"
    unkeyed = Envelope.wrap(Pinged(key="k", seq=1), source="test", tenant_id="t1")
    assert amqp_headers(unkeyed)[PARTITION_HEADER] == unkeyed.id


async def test_events_without_a_partition_key_spread_over_the_partitions(probe: Probe) -> None:
    """The consistent-hash exchange hashes a missing header as one value: without the
    fallback every unkeyed event would pile onto one partition."""
    spec = QueueSpec("kit-probe.unkeyed", ("waops.test.pinged.v1",), partitions=4)
    conn = await aio_pika.connect(probe.iso.amqp_url)
    try:
        await declare_queue(await conn.channel(), spec)  # the queues, nobody consuming
    finally:
        await conn.close()
    await probe.start(None)
    await probe.stage(*(Pinged(key="u", seq=s) for s in range(40)))

    async def all_routed() -> list[int] | None:
        counts = [(await queue_counts(probe.iso.amqp_url, q))[0] for q in spec.queue_names()]
        return counts if sum(counts) == 40 else None

    counts = await eventually(all_routed, what="40 unkeyed events in the partitions")
    assert sum(1 for c in counts if c) > 1, counts
