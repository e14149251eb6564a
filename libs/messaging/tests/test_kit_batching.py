"""Batched consumption on real PostgreSQL and RabbitMQ: several deliveries per transaction
change the cost, never the outcome — each event handled once, a failing one parked alone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aio_pika
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import Envelope
from waops_messaging import (
    PARK_REASON_HEADER,
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
SPEC = QueueSpec("kit-probe.batched", (Pinged.event_type,), delivery_limit=2)


def registry() -> HandlerRegistry:
    reg = HandlerRegistry()
    reg.queue(SPEC, batch=25, linger=0.05)

    @reg.on(SPEC.name, Pinged)
    async def handle(ev: Pinged, ctx: HandlerContext[None]) -> None:
        await record_effect(ev, ctx)
        if ev.fail:
            raise RuntimeError(f"cannot handle {ev.key}/{ev.seq}")

    return reg


@pytest_asyncio.fixture
async def consuming(isolated: Isolated, kit_engine: AsyncEngine) -> AsyncIterator[None]:
    broker = Broker(isolated.amqp_url, name="kit-probe-batched")
    consumers = Consumers(
        service="kit-probe",
        broker=broker,
        engine=kit_engine,
        writer=EventWriter(SOURCE, SCHEMA),
        subscriptions=registry().subscriptions,
        deps=None,
        retry_backoff=0.01,
    )
    broker.start()
    await broker.wait_connected(15)
    yield
    await consumers.stop()
    await broker.stop()


def handled(outcome: str = "handled") -> float:
    labels = {"consumer": SPEC.name, "event_type": Pinged.event_type, "outcome": outcome}
    return REGISTRY.get_sample_value("waops_events_consumed_total", labels) or 0.0


def pings(*pinged: Pinged) -> list[Envelope]:
    return [Envelope.wrap(p, source="test", tenant_id="t1") for p in pinged]


async def test_every_event_of_a_batched_queue_is_handled_once(
    isolated: Isolated, kit_engine: AsyncEngine, consuming: None
) -> None:
    envelopes = pings(*(Pinged(key="b", seq=i) for i in range(200)))
    before = handled("handled"), handled("duplicate")
    await publish(isolated.amqp_url, *envelopes, *envelopes[:20])  # 20 delivered twice

    async def all_done() -> list[tuple[str, int]] | None:
        found = await kit_probe.effects(kit_engine)
        done = handled("handled") - before[0] + handled("duplicate") - before[1]
        return found if len(found) >= 200 and done >= 220 else None

    effects = await eventually(all_done, timeout=60, what="200 pings and 20 duplicates")
    assert sorted(s for _, s in effects) == list(range(200))  # each exactly once


async def test_a_failing_event_rolls_back_its_batch_which_is_handled_one_by_one(
    isolated: Isolated, kit_engine: AsyncEngine, consuming: None
) -> None:
    batch = [Pinged(key="g", seq=i, fail=(i == 7)) for i in range(20)]
    await publish(isolated.amqp_url, *pings(*batch))

    async def parked() -> list[str] | None:
        got = []
        conn = await aio_pika.connect(isolated.amqp_url)
        try:
            queue = await (await conn.channel()).declare_queue(f"{SPEC.name}.parked", passive=True)
            while (m := await queue.get(no_ack=True, fail=False)) is not None:
                got.append(str(m.headers[PARK_REASON_HEADER]))
        finally:
            await conn.close()
        return got or None

    [reason] = await eventually(parked, timeout=60, what="the failing ping parked")
    assert "cannot handle g/7" in reason
    await eventually(
        lambda: _effects_are(kit_engine, sorted(set(range(20)) - {7})),
        what="the other 19 handled",
    )
    ready, _ = await queue_counts(isolated.amqp_url, SPEC.name)
    assert ready == 0


async def _effects_are(engine: AsyncEngine, seqs: list[int]) -> bool:
    return sorted(s for _, s in await kit_probe.effects(engine)) == seqs
