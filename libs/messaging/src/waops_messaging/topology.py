"""The RabbitMQ topology, declared in code.

- ``waops.events``: one durable topic exchange; routing key = CloudEvent type.
- Each consumer owns durable quorum queues named ``<service>.<purpose>``, with a delivery
  limit and at-least-once dead-lettering to ``waops.dead-letter`` (direct, keyed by queue
  name) where ``<queue>.parked`` keeps what could not be handled, with the reason.
- A partitioned consumer gets N single-active-consumer queues behind a consistent-hash
  exchange keyed on the ``partitionkey`` header: one key's events stay in order even with
  several replicas, while different keys spread over partitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

EVENTS_EXCHANGE = "waops.events"
DEAD_LETTER_EXCHANGE = "waops.dead-letter"
PARTITION_HEADER = "partitionkey"
PARK_REASON_HEADER = "x-waops-park-reason"

# Our consumer parks a failing message itself (with the exception text) when its delivery
# count reaches ``delivery_limit``; the broker's own limit sits a little higher as the
# backstop for deliveries that crash the process before any code can park them.
BROKER_LIMIT_MARGIN = 2


@dataclass(frozen=True)
class QueueSpec:
    """A consumer's queue: which event types it receives and how it is partitioned."""

    name: str
    event_types: tuple[str, ...]
    delivery_limit: int = 5
    partitions: int = 0  # 0 = one plain queue; N = N ordered partitions
    extra_arguments: dict[str, Any] = field(default_factory=dict)

    @property
    def parked_queue(self) -> str:
        return f"{self.name}.parked"

    @property
    def hash_exchange(self) -> str:
        return f"{self.name}.partitions"

    def queue_names(self) -> list[str]:
        if self.partitions <= 0:
            return [self.name]
        return [f"{self.name}.p{i}" for i in range(self.partitions)]


def queue_arguments(spec: QueueSpec, queue_name: str) -> dict[str, Any]:
    args: dict[str, Any] = {
        "x-queue-type": "quorum",
        "x-delivery-limit": spec.delivery_limit + BROKER_LIMIT_MARGIN,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": spec.name,
        # at-least-once dead-lettering needs reject-publish overflow (RabbitMQ docs).
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    if spec.partitions > 0:
        args["x-single-active-consumer"] = True
    args.update(spec.extra_arguments)
    return args


async def declare_exchanges(channel: AbstractChannel) -> AbstractExchange:
    events = await channel.declare_exchange(
        EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
    )
    await channel.declare_exchange(DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
    return events


async def declare_queue(channel: AbstractChannel, spec: QueueSpec) -> list[AbstractQueue]:
    """Declare (idempotently) a consumer's queues, bindings and parking queue."""
    events = await declare_exchanges(channel)
    dead = await channel.get_exchange(DEAD_LETTER_EXCHANGE, ensure=False)
    parked = await channel.declare_queue(
        spec.parked_queue, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await parked.bind(dead, routing_key=spec.name)

    if spec.partitions <= 0:
        queue = await channel.declare_queue(
            spec.name, durable=True, arguments=queue_arguments(spec, spec.name)
        )
        for event_type in spec.event_types:
            await queue.bind(events, routing_key=event_type)
        return [queue]

    hashed = await channel.declare_exchange(
        spec.hash_exchange,
        "x-consistent-hash",
        durable=True,
        arguments={"hash-header": PARTITION_HEADER},
    )
    for event_type in spec.event_types:
        await hashed.bind(events, routing_key=event_type)
    queues = []
    for name in spec.queue_names():
        queue = await channel.declare_queue(
            name, durable=True, arguments=queue_arguments(spec, name)
        )
        await queue.bind(hashed, routing_key="1")  # equal weight per partition
        queues.append(queue)
    return queues
