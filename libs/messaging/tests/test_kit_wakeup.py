"""The relay's wake-up: LISTEN/NOTIFY makes it prompt, polling keeps it going without it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import Envelope
from waops_messaging import Broker, EventWriter, OutboxRelay, Wakeup
from waops_messaging.outbox import notify_channel
from waops_service_kit.db import asyncpg_dsn
from waops_service_kit.provision import service_url
from waops_testing.kit_probe import SCHEMA, SOURCE, Pinged, outbox_drained
from waops_testing.plugin import Isolated
from waops_testing.poll import eventually
from waops_testing.services import EventTap

PINGED = Pinged.event_type
CLOSED_PORT_DSN = "postgresql://waops_kit_probe@127.0.0.1:1/nowhere"  # nothing listens on 1


class RelayKit:
    def __init__(self, iso: Isolated, engine: AsyncEngine) -> None:
        self.iso = iso
        self.engine = engine
        self.writer = EventWriter(SOURCE, SCHEMA)
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


@pytest_asyncio.fixture
async def kit(isolated: Isolated, kit_engine: AsyncEngine) -> AsyncIterator[RelayKit]:
    k = RelayKit(isolated, kit_engine)
    try:
        yield k
    finally:
        for broker, relay in k.started:
            await relay.stop()
            await broker.stop()


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
    await eventually(lambda: outbox_drained(kit.engine), what="the outbox rows marked published")


@pytest.mark.integration
async def test_without_listen_the_relay_still_publishes_by_polling(kit: RelayKit) -> None:
    await kit.relay(listen_dsn=CLOSED_PORT_DSN, poll_interval=0.2)
    async with EventTap(kit.iso.amqp_url, PINGED) as tap:
        for seq in range(2):
            staged = await kit.stage("polled", seq)
            got = await tap.wait_for(PINGED, count=seq + 1, timeout=10)
            assert got[seq].id == staged.id
    await eventually(lambda: outbox_drained(kit.engine), what="the outbox rows marked published")


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
