"""Faults: broker connections cut mid-flight, a consumer SIGKILLed mid-handling, poison.

Every message is processed, once in effect; nothing is lost; consumers come back."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import aio_pika
import pytest
from waops_devstack.registries import consumed_queues
from waops_testing.poll import eventually
from waops_testing.services import queue_counts
from waops_testing.system import StartSystem, System, reply_text

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ENQUIRY = "Hi! I'm interested in the Everest Base Camp Trek for 3 people in March 2025"


def phones(n: int) -> list[str]:
    base = str(uuid.uuid4().int)[:6]
    return [f"+97798{base}{i:02d}" for i in range(n)]


async def consumer_counts(system: System) -> dict[str, int]:
    """Consumers on every queue some service consumes from."""
    return {q: (await queue_counts(system.iso.amqp_url, q))[1] for q in consumed_queues()}


async def metric(system: System, service: str, name: str) -> float:
    async with system.http.get(system.url(service) + "/metrics") as r:
        text = await r.text()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def assert_each_phone_got_one_reply(system: System, numbers: list[str]) -> None:
    for phone in numbers:
        await system.replies(phone, 1, timeout=60)
    # A second message per phone is the barrier: handled after the first in each conversation.
    for phone in numbers:
        await system.phone_says(phone, "Pokhara Sightseeing for 2 people in May 2026")
    for phone in numbers:
        texts = [reply_text(r) for r in await system.replies(phone, 2, timeout=60)]
        assert len(await system.sent_to(phone)) == 2, texts
        assert sum("EBC25" in t for t in texts) == 1, texts


async def test_broker_connections_cut_while_messages_are_in_flight(
    start_system: StartSystem,
) -> None:
    system = await start_system(through_proxy=True)
    assert system.proxy is not None
    numbers = phones(12)
    before = system.proxy.connections_accepted

    async def send_all() -> None:
        for phone in numbers:
            await system.phone_says(phone, ENQUIRY)

    sender = asyncio.create_task(send_all())
    for _ in range(2):  # cut twice while the messages flow
        await eventually(
            lambda: _sent_some(system, numbers), timeout=30, what="some replies before the cut"
        )
        assert system.proxy.cut() > 0
        await system.stack.wait_ready(timeout=60)  # every service back on the broker
    await sender
    await assert_each_phone_got_one_reply(system, numbers)

    assert system.proxy.connections_accepted > before  # services reconnected on their own
    counts = await eventually(
        lambda: _all_consumed(system), timeout=30, what="consumers back on every queue"
    )
    assert all(c >= 1 for c in counts.values()), counts


async def _sent_some(system: System, numbers: list[str]) -> bool:
    for phone in numbers:
        if await system.sent_to(phone):
            return True
    return False


async def _all_consumed(system: System) -> dict[str, int] | None:
    counts = await consumer_counts(system)
    return counts if all(c >= 1 for c in counts.values()) else None


async def test_consumer_killed_mid_handling_redelivers_and_acts_once(
    start_system: StartSystem,
) -> None:
    system = await start_system()
    core = system.stack.processes["core"]
    orchestrator = system.stack.processes["orchestrator"]
    numbers = phones(3)

    assert core.process is not None
    os.kill(core.process.pid, signal.SIGSTOP)  # the core hangs: the orchestrator waits on it
    try:
        for phone in numbers:
            await system.phone_says(phone, ENQUIRY)
        await eventually(
            lambda: _in_flight(system, "orchestrator"),
            timeout=30,
            what="the orchestrator to be mid-handling a command",
        )
        await orchestrator.kill()  # SIGKILL while the command is being handled
    finally:
        os.kill(core.process.pid, signal.SIGCONT)
    await system.stack.start_one("orchestrator")
    await assert_each_phone_got_one_reply(system, numbers)
    # The enquiry and the barrier of each phone, each exactly once.
    assert [len(await system.audited(p, "SUCCEEDED", 2)) for p in numbers] == [2, 2, 2]


async def _in_flight(system: System, service: str) -> bool:
    return await metric(system, service, "waops_events_in_flight") >= 1


async def test_poison_event_is_parked_with_its_reason_and_the_queue_flows(
    start_system: StartSystem,
) -> None:
    system = await start_system()
    conn = await aio_pika.connect(system.iso.amqp_url)
    try:
        channel = await conn.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("waops.events")
        for body in (b"\x00\xffnot an event", b'{"specversion": "1.0", "type": "x"}'):
            await exchange.publish(
                aio_pika.Message(body, message_id=uuid.uuid4().hex, headers={"partitionkey": "p"}),
                routing_key="waops.message.received.v1",
            )

        messages: list = []

        async def parked() -> bool:
            q = await channel.declare_queue("conversation-engine.inbound.parked", passive=True)
            while (m := await q.get(no_ack=True, fail=False)) is not None:
                messages.append(m)
            return len(messages) >= 2

        await eventually(parked, timeout=30, what="two parked poison messages")
        reasons = [str(m.headers["x-waops-park-reason"]) for m in messages]
        assert all(r.startswith("undecodable") for r in reasons), reasons
    finally:
        await conn.close()
    phone = phones(1)[0]
    await system.phone_says(phone, ENQUIRY)
    await system.replies(phone, 1)
