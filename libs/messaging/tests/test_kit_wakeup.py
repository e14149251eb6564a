"""The relay's wake-up: LISTEN/NOTIFY makes it prompt, polling keeps it going without it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import Envelope, Event
from waops_contracts.registry import EVENT_TYPES, event
from waops_messaging import Broker, EventWriter, OutboxRelay, Wakeup
from waops_messaging.outbox import notify_channel
from waops_service_kit.db import asyncpg_dsn, create_engine
from waops_service_kit.migrations import migrate
from waops_service_kit.provision import provision_schemas, service_url
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap

SCHEMA = "kit_probe"
PINGED = "waops.test.pinged.v1"
CLOSED_PORT_DSN = "postgresql://waops_kit_probe@127.0.0.1:1/nowhere"  # nothing listens on 1

if PINGED not in EVENT_TYPES:  # the same probe events as test_kit_integration

    @event(PINGED, example={"key": "a", "seq": 1})
    class Pinged(Event):
        key: str
        seq: int
        fail: bool = False

    @event("waops.test.ponged.v1", example={"key": "a", "seq": 1})
    class Ponged(Event):
        key: str
        seq: int


Pinged = EVENT_TYPES[PINGED]


class RelayKit:
    def __init__(self, iso: Isolated, engine: AsyncEngine) -> None:
        self.iso = iso
        self.engine = engine
        self.writer = EventWriter("waops/kit-probe", SCHEMA)
        self.started: list[tuple[Broker, OutboxRelay]] = []

    async def relay(self, *, listen_dsn: str | None, poll_interval: float) -> OutboxRelay:
        broker = Broker(self.iso.amqp_url, name=f"kit-wakeup-{len(self.started)}")
        relay = OutboxRelay(
            self.engine, broker, schema=SCHEMA, listen_dsn=listen_dsn, poll_interval=poll_interval
        )
        self.started.append((broker, relay))
        broker.start()
        await broker.wait_connected(15)
        relay.start()
        return relay

    async def stage(self, key: str, seq: int) -> Envelope:
        """Write an event to the outbox the way a service does (which also sends the NOTIFY)."""
        async with self.engine.begin() as conn:
            return await self.writer.write(conn, Pinged(key=key, seq=seq), tenant_id="t1")

    async def listening(self) -> bool:
        """True once some session of this database LISTENs on the relay's channel."""
        conn = await asyncpg.connect(asyncpg_dsn(self.iso.admin_url))
        try:
            found = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'idle' AND query = $1",
                f'LISTEN "{notify_channel(SCHEMA)}"',
            )
            return bool(found)
        finally:
            await conn.close()

    async def all_marked_published(self) -> bool:
        """The relay marks rows after the broker's confirm, so a beat after the tap sees them."""
        async with self.engine.connect() as conn:
            left = await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
            return left == 0


@pytest_asyncio.fixture
async def kit(isolated: Isolated) -> AsyncIterator[RelayKit]:
    await provision_schemas(
        isolated.admin_url.rsplit("/", 1)[0] + "/postgres", isolated.database, (SCHEMA,)
    )
    engine = create_engine(service_url(isolated.admin_url, SCHEMA), SCHEMA)
    await migrate(engine, SCHEMA, "waops_testing")
    k = RelayKit(isolated, engine)
    try:
        yield k
    finally:
        for broker, relay in k.started:
            await relay.stop()
            await broker.stop()
        await engine.dispose()


@pytest.mark.integration
async def test_a_notify_wakes_the_relay_long_before_its_poll_interval(kit: RelayKit) -> None:
    url = service_url(kit.iso.admin_url, SCHEMA)
    await kit.relay(listen_dsn=asyncpg_dsn(url), poll_interval=30)
    # Only a NOTIFY can bring an event out within 10 s now: wait until the relay has done
    # its first (empty) pass and LISTENs, so the events below are not caught by that pass.
    await eventually(kit.listening, what="the relay to LISTEN")
    async with EventTap(kit.iso.amqp_url, PINGED) as tap:
        for seq in range(2):  # the second proves the wake-up is re-armed after a pass
            staged = await kit.stage("notified", seq)
            got = await tap.wait_for(PINGED, count=seq + 1, timeout=10)
            assert got[seq].id == staged.id
    await eventually(kit.all_marked_published, what="the outbox rows marked published")


@pytest.mark.integration
async def test_without_listen_the_relay_still_publishes_by_polling(kit: RelayKit) -> None:
    await kit.relay(listen_dsn=CLOSED_PORT_DSN, poll_interval=0.2)
    async with EventTap(kit.iso.amqp_url, PINGED) as tap:
        for seq in range(2):
            staged = await kit.stage("polled", seq)
            got = await tap.wait_for(PINGED, count=seq + 1, timeout=10)
            assert got[seq].id == staged.id
    await eventually(kit.all_marked_published, what="the outbox rows marked published")


async def test_a_set_during_a_busy_pass_makes_the_next_wait_return_at_once() -> None:
    wakeup = Wakeup(None, "unused", poll_interval=30)
    wakeup.set()  # a notification while the worker is busy, not waiting
    await asyncio.wait_for(wakeup.wait(), 5)  # returns at once, not after 30 s
    waiting = asyncio.create_task(wakeup.wait())  # that wake-up was used: this one waits
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(waiting), 0.3)
    wakeup.set()  # and a set() while waiting wakes it
    await asyncio.wait_for(waiting, 5)
    await wakeup.close()


@pytest.mark.parametrize("listen_dsn", [None, CLOSED_PORT_DSN], ids=["no-listen", "listen-down"])
async def test_wait_returns_after_the_poll_interval_without_notifications(
    listen_dsn: str | None,
) -> None:
    wakeup = Wakeup(listen_dsn, "unused", poll_interval=0.3)
    try:
        for _ in range(2):
            started = time.monotonic()
            await asyncio.wait_for(wakeup.wait(), 10)
            assert time.monotonic() - started >= 0.25  # (timer slack) it did wait
    finally:
        await wakeup.close()
