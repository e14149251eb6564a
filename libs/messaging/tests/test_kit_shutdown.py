"""Graceful stop on real PostgreSQL and RabbitMQ: finish what started, ack nothing else.

Each test stops one consumer while a handler is blocked on an event the test controls,
then starts the next consumer on the same queue and checks that every message was
handled exactly once: what finished was acked (no redelivery), what had not started or
did not finish in time went back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import Envelope
from waops_messaging import (
    Broker,
    Consumers,
    EventWriter,
    HandlerContext,
    HandlerRegistry,
    QueueSpec,
)
from waops_testing import kit_probe
from waops_testing.kit_probe import SCHEMA, SOURCE, Pinged, record_effect
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import publish, queue_counts

pytestmark = pytest.mark.integration

SPEC = QueueSpec("kit-probe.shutdown", (Pinged.event_type,))


@dataclass
class Handler:
    """The probe handler: records that it started, writes its effect, then waits for ``gate``."""

    gate: asyncio.Event | None = None
    started: list[str] = field(default_factory=list)

    def registry(self) -> HandlerRegistry:
        registry = HandlerRegistry()
        # One at a time and a deep prefetch: the rest of the queue waits, delivered but not
        # started, behind the handler in flight.
        registry.queue(SPEC, concurrency=1, prefetch=10)

        @registry.on(SPEC.name, Pinged)
        async def handle(ev: Pinged, ctx: HandlerContext[None]) -> None:
            self.started.append(ev.key)
            await record_effect(ev, ctx)
            if self.gate is not None:
                await self.gate.wait()

        return registry


@dataclass
class Node:
    """One consumer process: a broker connection and its consumers."""

    broker: Broker
    consumers: Consumers
    stopped: bool = False

    async def stop(self) -> None:
        """What the service runtime does: stop consuming (draining), then close the broker."""
        if not self.stopped:
            self.stopped = True
            await self.consumers.stop()
            await self.broker.stop()


@dataclass
class Kit:
    iso: Isolated
    engine: AsyncEngine
    nodes: list[Node] = field(default_factory=list)
    gates: list[asyncio.Event] = field(default_factory=list)

    async def node(self, handler: Handler, *, drain_timeout: float = 20.0) -> Node:
        if handler.gate is not None:
            self.gates.append(handler.gate)
        broker = Broker(self.iso.amqp_url, name=f"kit-shutdown-{len(self.nodes)}")
        consumers = Consumers(
            service="kit-probe",
            broker=broker,
            engine=self.engine,
            writer=EventWriter(SOURCE, SCHEMA),
            subscriptions=handler.registry().subscriptions,
            deps=None,
            retry_backoff=0.01,
            drain_timeout=drain_timeout,
        )
        node = Node(broker, consumers)
        self.nodes.append(node)
        broker.start()
        await broker.wait_connected(15)  # the consumers are attached once it is connected
        return node

    async def publish(self, *keys: str) -> list[Envelope]:
        envelopes = [
            Envelope.wrap(Pinged(key=key, seq=i), source="test", tenant_id="t1")
            for i, key in enumerate(keys)
        ]
        await publish(self.iso.amqp_url, *envelopes)
        return envelopes

    async def effects(self) -> Counter[str]:
        return Counter(key for key, _ in await kit_probe.effects(self.engine))

    async def inbox_rows(self) -> int:
        async with self.engine.connect() as conn:
            return int(await conn.scalar(text("SELECT count(*) FROM inbox")) or 0)

    async def wait_queue(self, *, ready: int, consumers: int, what: str) -> None:
        async def reached() -> bool:
            return await queue_counts(self.iso.amqp_url, SPEC.name) == (ready, consumers)

        await eventually(reached, what=what)


def duplicates_seen() -> float:
    """Deliveries the inbox turned away as already handled (process-wide counter)."""
    labels = {"consumer": SPEC.name, "event_type": Pinged.event_type, "outcome": "duplicate"}
    return REGISTRY.get_sample_value("waops_events_consumed_total", labels) or 0.0


@pytest_asyncio.fixture
async def kit(isolated: Isolated, kit_engine: AsyncEngine) -> AsyncIterator[Kit]:
    k = Kit(isolated, kit_engine)
    try:
        yield k
    finally:
        for gate in k.gates:  # never leave a handler blocked behind the test
            gate.set()
        for node in k.nodes:
            with contextlib.suppress(Exception):
                await node.stop()


async def test_the_handler_in_flight_finishes_commits_and_is_acked(kit: Kit) -> None:
    first = Handler(gate=asyncio.Event())
    node = await kit.node(first)
    await kit.publish("in-flight")
    await eventually(lambda: first.started == ["in-flight"], what="the handler to start")

    stopping = asyncio.create_task(node.consumers.stop())
    await asyncio.sleep(0)  # one turn of the loop: stop() has begun (no new deliveries)
    await kit.publish("late")  # arrives after the stop request: not this consumer's to start
    assert not stopping.done(), "stop() must wait for the handler in flight"
    assert await kit.effects() == Counter(), "nothing commits before the handler finishes"
    first.gate.set()  # type: ignore[union-attr]
    await asyncio.wait_for(stopping, 10)
    assert await kit.effects() == Counter({"in-flight": 1})
    await node.stop()  # closing the connection would requeue it, had it not been acked
    assert first.started == ["in-flight"]

    duplicates = duplicates_seen()
    second = Handler()
    await kit.node(second)
    await eventually(lambda: second.started == ["late"], what="the late event")
    await kit.wait_queue(ready=0, consumers=1, what="an empty queue")
    assert await kit.effects() == Counter({"in-flight": 1, "late": 1})
    assert await kit.inbox_rows() == 2
    assert duplicates_seen() == duplicates, "the acked event was delivered again"


async def test_prefetched_messages_not_started_go_back_and_are_handled_once(kit: Kit) -> None:
    first = Handler(gate=asyncio.Event())
    node = await kit.node(first)
    await kit.publish("m0", "m1", "m2", "m3")
    await eventually(lambda: len(first.started) == 1, what="the first handler")
    # all four delivered to the consumer (none ready on the queue), one of them started
    await kit.wait_queue(ready=0, consumers=1, what="the rest to be prefetched")

    stopping = asyncio.create_task(node.consumers.stop())
    await asyncio.sleep(0)  # one turn of the loop: stop() has begun
    assert not stopping.done()
    first.gate.set()  # type: ignore[union-attr]
    await asyncio.wait_for(stopping, 10)
    await node.stop()
    assert len(first.started) == 1, f"handlers started after stop: {first.started[1:]}"
    await kit.wait_queue(ready=3, consumers=0, what="the three not started back on the queue")

    second = Handler()
    await kit.node(second)
    await kit.wait_queue(ready=0, consumers=1, what="the queue to drain")
    await eventually(lambda: len(second.started) == 3, what="three handled")
    assert sorted(first.started + second.started) == ["m0", "m1", "m2", "m3"]
    assert await kit.effects() == Counter({"m0": 1, "m1": 1, "m2": 1, "m3": 1})
    assert await kit.inbox_rows() == 4


async def test_a_handler_outliving_the_drain_timeout_is_not_acked(kit: Kit) -> None:
    stuck = Handler(gate=asyncio.Event())  # never released while the node runs
    node = await kit.node(stuck, drain_timeout=0.5)
    await kit.publish("stuck")
    await eventually(lambda: stuck.started == ["stuck"], what="the handler to start")

    await asyncio.wait_for(node.stop(), 10)  # bounded by the drain timeout, not the handler
    await kit.wait_queue(ready=1, consumers=0, what="the unfinished event back on the queue")
    assert await kit.effects() == Counter(), "the unfinished handler's work was rolled back"

    duplicates = duplicates_seen()
    second = Handler()
    await kit.node(second)
    await eventually(lambda: second.started == ["stuck"], what="the next consumer")
    await kit.wait_queue(ready=0, consumers=1, what="an empty queue")
    assert await kit.effects() == Counter({"stuck": 1})
    assert await kit.inbox_rows() == 1
    assert duplicates_seen() == duplicates


PARTITIONED = QueueSpec("kit-probe.stopping", (Pinged.event_type,), partitions=2)


async def _nobody_on(amqp_url: str, queue: str) -> bool:
    try:
        return (await queue_counts(amqp_url, queue))[1] == 0
    except Exception:  # not declared (the stop came first): nobody consumes it
        return True


@pytest.mark.parametrize("when", ["connecting", "attaching", "attached"])
async def test_a_stop_at_any_moment_leaves_no_consumer_holding_a_partition(
    isolated: Isolated, kit_engine: AsyncEngine, when: str
) -> None:
    """A replica stopped just after it started must not stay connected, holding the
    single-active-consumer partitions without working on them."""
    registry = HandlerRegistry()
    registry.queue(PARTITIONED)
    registry.on(PARTITIONED.name, Pinged)(record_effect)
    broker = Broker(isolated.amqp_url, name=f"kit-stopping-{when}")
    consumers = Consumers(
        service="kit-probe",
        broker=broker,
        engine=kit_engine,
        writer=EventWriter(SOURCE, SCHEMA),
        subscriptions=registry.subscriptions,
        deps=None,
    )
    attaching, release = asyncio.Event(), asyncio.Event()

    async def slow_to_finish(_: object) -> None:  # runs after the consumers attached
        attaching.set()
        await release.wait()

    broker.on_connect(slow_to_finish)
    broker.start()
    if when == "attaching":
        await asyncio.wait_for(attaching.wait(), 15)
    elif when == "attached":
        release.set()
        await broker.wait_connected(15)
    await asyncio.wait_for(consumers.stop(), 10)
    await asyncio.wait_for(broker.stop(timeout=5), 15)  # a stop that always ends

    assert not broker.is_connected
    for queue in PARTITIONED.queue_names():
        await eventually(
            lambda q=queue: _nobody_on(isolated.amqp_url, q),
            what=f"no consumer left on {queue}",
        )
