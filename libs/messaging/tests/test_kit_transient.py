"""Transient failures on real PostgreSQL and RabbitMQ: load never parks a good message.

A database that refuses connections, a pool with nothing free or a dependency that is down
says nothing about the message: the consumer retries it in place, uncounted, and it is
handled once when the world recovers, however many deliveries its failures would have cost.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_messaging import (
    Broker,
    Consumers,
    EventWriter,
    HandlerContext,
    HandlerRegistry,
    QueueSpec,
)
from waops_messaging.failures import TransientFailure, is_transient
from waops_service_kit.db import asyncpg_dsn, create_engine
from waops_service_kit.provision import service_url
from waops_testing import kit_probe
from waops_testing.kit_probe import SCHEMA, SOURCE, Pinged, record_effect
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import queue_counts
from waops_testing.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration


async def test_a_refused_connection_is_transient_and_a_broken_rule_is_not(
    isolated: Isolated, kit_engine: AsyncEngine
) -> None:
    role = f"waops_full_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(isolated.admin_url))
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
        url = make_url(isolated.admin_url).set(username=role, password=None)
        full = create_engine(url.render_as_string(hide_password=False), SCHEMA)
        with pytest.raises(Exception) as refused:  # too many connections for role (53300)
            async with full.connect():
                pass
        await full.dispose()
        assert is_transient(refused.value), repr(refused.value)
    finally:
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()

    with pytest.raises(IntegrityError) as duplicate:
        async with kit_engine.begin() as conn:
            for _ in range(2):
                await conn.execute(
                    text(
                        "INSERT INTO inbox (consumer, event_id, event_type) VALUES ('c', 'e', 't')"
                    )
                )
    assert not is_transient(duplicate.value)
    assert not is_transient(ValueError("a bad message"))
    try:
        raise RuntimeError("the core is down") from ConnectionRefusedError()
    except RuntimeError as wrapped:
        assert is_transient(wrapped)


@pytest_asyncio.fixture
async def tight_engine(isolated: Isolated, kit_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The probe's schema through a pool of exactly one connection that waits 0.2 s."""
    engine = create_engine(
        service_url(isolated.admin_url, SCHEMA),
        SCHEMA,
        pool_size=1,
        max_overflow=0,
        pool_timeout=0.2,
    )
    yield engine
    await engine.dispose()


async def _start(
    isolated: Isolated, engine: AsyncEngine, registry: HandlerRegistry
) -> tuple[Broker, Consumers]:
    broker = Broker(isolated.amqp_url, name="kit-probe-transient")
    consumers = Consumers(
        service="kit-probe",
        broker=broker,
        engine=engine,
        writer=EventWriter(SOURCE, SCHEMA),
        subscriptions=registry.subscriptions,
        deps=None,
        retry_backoff=0.01,
        transient_window=60,
    )
    broker.start()
    await broker.wait_connected(15)
    return broker, consumers


async def _publish(isolated: Isolated, kit_engine: AsyncEngine, count: int) -> None:
    """Stage ``count`` pings in the probe's outbox and relay them (a relay of its own)."""
    from waops_messaging import OutboxRelay

    writer = EventWriter(SOURCE, SCHEMA)
    async with kit_engine.begin() as conn:
        for seq in range(count):
            await writer.write(conn, Pinged(key="t", seq=seq), tenant_id="t1")
    broker = Broker(isolated.amqp_url, name="kit-probe-publisher")
    relay = OutboxRelay(
        kit_engine,
        broker,
        schema=SCHEMA,
        listen_dsn=asyncpg_dsn(service_url(isolated.admin_url, SCHEMA)),
        poll_interval=0.2,
    )
    broker.start()
    await broker.wait_connected(15)
    relay.start()
    try:
        await eventually(
            lambda: kit_probe.outbox_drained(kit_engine), timeout=30, what="every ping published"
        )
    finally:
        await relay.stop()
        await broker.stop()


async def test_an_exhausted_pool_delays_events_and_parks_none(
    isolated: Isolated, kit_engine: AsyncEngine, tight_engine: AsyncEngine
) -> None:
    spec = QueueSpec("kit-probe.tight", (Pinged.event_type,), delivery_limit=2)
    registry = HandlerRegistry()
    registry.queue(spec, concurrency=8)

    @registry.on(spec.name, Pinged)
    async def handle(ev: Pinged, ctx: HandlerContext[None]) -> None:
        await record_effect(ev, ctx)

    broker, consumers = await _start(isolated, tight_engine, registry)
    try:
        # The pool's only connection is taken: every handler times out waiting for one,
        # far more often than the delivery limit of 2 allows for real failures.
        held = await tight_engine.connect()
        await _publish(isolated, kit_engine, 40)

        # Every handler in flight fails on the pool more often than the limit allows.
        await eventually(
            lambda: _transient_retries(spec.name) >= 3 * 8,
            timeout=30,
            what="the handlers retrying on the exhausted pool",
        )
        await held.close()

        async def all_handled() -> list[tuple[str, int]] | None:
            found = await kit_probe.effects(kit_engine)
            return found if len(found) >= 40 else None

        effects = await eventually(all_handled, timeout=60, what="40 handled pings")
        assert sorted(s for _, s in effects) == list(range(40))  # each exactly once
        parked, _ = await queue_counts(isolated.amqp_url, f"{spec.name}.parked")
        assert parked == 0
    finally:
        await consumers.stop()
        await broker.stop()


async def test_a_transient_failure_outlasting_the_delivery_limit_is_handled_once(
    isolated: Isolated, kit_engine: AsyncEngine
) -> None:
    spec = QueueSpec("kit-probe.flaky", (Pinged.event_type,), delivery_limit=2)
    registry = HandlerRegistry()
    registry.queue(spec)
    failures_left = {0: 6}  # three times the delivery limit
    attempts: list[int] = []

    @registry.on(spec.name, Pinged)
    async def handle(ev: Pinged, ctx: HandlerContext[None]) -> None:
        attempts.append(ev.seq)
        if failures_left.get(ev.seq, 0) > 0:
            failures_left[ev.seq] -= 1
            raise TransientFailure("the core is unreachable")
        await record_effect(ev, ctx)

    broker, consumers = await _start(isolated, kit_engine, registry)
    try:
        await _publish(isolated, kit_engine, 1)
        await eventually(
            lambda: _effects_are(kit_engine, [("t", 0)]), timeout=30, what="the ping handled"
        )
        assert attempts == [0] * 7
        parked, _ = await queue_counts(isolated.amqp_url, f"{spec.name}.parked")
        assert parked == 0
    finally:
        await consumers.stop()
        await broker.stop()


def _transient_retries(queue: str) -> float:
    value = REGISTRY.get_sample_value(
        "waops_events_consumed_total",
        {"consumer": queue, "event_type": Pinged.event_type, "outcome": "transient_retried"},
    )
    return value or 0.0


async def _effects_are(engine: AsyncEngine, expected: list[tuple[str, int]]) -> bool:
    return await kit_probe.effects(engine) == expected


async def test_the_backlog_of_a_consumed_queue_is_visible(
    isolated: Isolated, kit_engine: AsyncEngine
) -> None:
    spec = QueueSpec("kit-probe.backlog", (Pinged.event_type,))
    registry = HandlerRegistry()
    registry.queue(spec, concurrency=1, prefetch=1)
    gate = asyncio.Event()

    @registry.on(spec.name, Pinged)
    async def handle(ev: Pinged, ctx: HandlerContext[None]) -> None:
        await gate.wait()  # the first one holds the queue: the rest wait in it
        await record_effect(ev, ctx)

    broker = Broker(isolated.amqp_url, name="kit-probe-backlog")
    consumers = Consumers(
        service="kit-probe",
        broker=broker,
        engine=kit_engine,
        writer=EventWriter(SOURCE, SCHEMA),
        subscriptions=registry.subscriptions,
        deps=None,
        depth_interval=0.1,
    )
    broker.start()
    await broker.wait_connected(15)
    try:
        await _publish(isolated, kit_engine, 10)

        def depth() -> float:
            return REGISTRY.get_sample_value("waops_queue_depth", {"queue": spec.name}) or 0.0

        await eventually(lambda: depth() >= 8, what="the backlog in the queue-depth gauge")
        gate.set()
        await eventually(lambda: depth() == 0, what="the backlog drained in the gauge")

        async def all_handled() -> bool:
            return len(await kit_probe.effects(kit_engine)) == 10

        await eventually(all_handled, what="the ten pings handled")
    finally:
        gate.set()
        await consumers.stop()
        await broker.stop()


async def test_pooled_connections_cut_under_the_consumers_cost_no_event(
    isolated: Isolated, kit_engine: AsyncEngine
) -> None:
    """The pool does not ping before each use (a BEGIN/ROLLBACK per checkout is most of the
    database's work per event): a connection that died in the pool fails its first use, the
    pool is invalidated, and the consumer's transient retry takes a fresh one."""
    url = make_url(service_url(isolated.admin_url, SCHEMA))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = create_engine(through, SCHEMA, pool_size=3, max_overflow=0)
    spec = QueueSpec("kit-probe.cut", (Pinged.event_type,), delivery_limit=2)
    registry = HandlerRegistry()
    registry.queue(spec, concurrency=3)
    registry.on(spec.name, Pinged)(record_effect)
    broker, consumers = await _start(isolated, engine, registry)
    try:
        await _publish(isolated, kit_engine, 20)
        await eventually(lambda: _effects_count(kit_engine, 20), what="the first 20 pings")
        assert proxy.cut() > 0  # every pooled connection dies where it sits
        await _publish(isolated, kit_engine, 20)
        await eventually(lambda: _effects_count(kit_engine, 40), what="20 more after the cut")
        parked, _ = await queue_counts(isolated.amqp_url, f"{spec.name}.parked")
        assert parked == 0
        assert sorted(s for _, s in await kit_probe.effects(kit_engine)) == sorted(
            list(range(20)) * 2
        )
    finally:
        await consumers.stop()
        await broker.stop()
        await engine.dispose()
        await proxy.stop()


async def _effects_count(engine: AsyncEngine, count: int) -> bool:
    return len(await kit_probe.effects(engine)) >= count
