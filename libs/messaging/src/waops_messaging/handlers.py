"""Typed event handlers and the registry a service's bootstrap fills.

A handler is a small async function ``f(event, ctx)`` taking the typed payload and a
``HandlerContext``: the open transaction, the envelope, ``publish`` (to the outbox, in the
same transaction, with causation and correlation carried forward) and the service's deps.
The inbox/outbox wrapping happens around it; handlers never see it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection
from waops_contracts import Envelope, Event
from waops_observability import current_traceparent

from waops_messaging.outbox import add_to_outbox
from waops_messaging.topology import QueueSpec

D = TypeVar("D")
P = TypeVar("P", bound=Event)


@dataclass
class EventWriter:
    """Writes events to a service's outbox inside the caller's transaction."""

    source: str
    schema: str

    async def write(
        self,
        conn: AsyncConnection,
        event: Event,
        *,
        tenant_id: str,
        subject: str | None = None,
        causation: Envelope | None = None,
        causation_id: str | None = None,
        correlation_id: str | None = None,
        event_id: str | None = None,
        partition_key: str | None = None,
    ) -> Envelope:
        envelope = Envelope.wrap(
            event,
            source=self.source,
            tenant_id=tenant_id,
            subject=subject,
            causation=causation,
            causation_id=causation_id,
            correlation_id=correlation_id,
            event_id=event_id,
            partition_key=partition_key,
            traceparent=current_traceparent(),
        )
        await add_to_outbox(conn, self.schema, envelope)
        return envelope


@dataclass
class HandlerContext(Generic[D]):
    conn: AsyncConnection
    envelope: Envelope
    writer: EventWriter
    deps: D

    @property
    def tenant_id(self) -> str:
        return self.envelope.tenantid

    async def publish(
        self,
        event: Event,
        *,
        subject: str | None = None,
        event_id: str | None = None,
        partition_key: str | None = None,
    ) -> Envelope:
        return await self.writer.write(
            self.conn,
            event,
            tenant_id=self.envelope.tenantid,
            subject=subject,
            causation=self.envelope,
            event_id=event_id,
            partition_key=partition_key,
        )


ANY_TYPE = "*"

Handler = Callable[[Any, HandlerContext[Any]], Awaitable[None]]


@dataclass
class Subscription:
    """Which handler runs for which event type, on which queue."""

    queue: QueueSpec
    handlers: dict[str, Handler] = field(default_factory=dict)
    concurrency: int = 16
    prefetch: int = 32
    # >1: deliveries handled ``batch`` at a time in one transaction (``batching``), for
    # consumers of many small independent events; not for ordered (partitioned) queues.
    batch: int = 1
    linger: float = 0.02


ORDERED_PREFETCH = 100  # see ``HandlerRegistry.queue``: order across a failover needs depth


class HandlerRegistry:
    """A service's consumers, in one place: ``registry.on(QUEUE, LeadCreated)(handler)``."""

    def __init__(self) -> None:
        self._subs: dict[str, Subscription] = {}
        self.publishes: set[str] = set()

    def queue(
        self,
        spec: QueueSpec,
        *,
        concurrency: int = 16,
        prefetch: int | None = None,
        batch: int = 1,
        linger: float = 0.02,
    ) -> None:
        """Consume ``spec`` with up to ``concurrency`` handlers at a time (one on an ordered
        partition), or ``batch`` deliveries per transaction.

        The prefetch of a concurrent queue defaults to a little look-ahead, no more: RabbitMQ
        (3.x) counts every prefetched, unacked message returned by a dropped connection as a
        delivery, so a deep prefetch under backlog lets a few connection cuts park messages
        that were never handled (the chaos run saw it with 100). An ordered partition keeps a
        deep one for now: a message returned when its consumer stops goes back *behind* the
        ready ones, so a shallow prefetch lets the standby replica take the rest of a burst
        out of order (test_replicas.py); the trade-off is recorded in docs/spine.md."""
        if batch > 1 and spec.partitions > 0:
            raise ValueError(f"{spec.name}: an ordered queue is handled one message at a time")
        if prefetch is None:
            prefetch = ORDERED_PREFETCH if spec.partitions > 0 else 2 * max(concurrency, batch)
        self._subs[spec.name] = Subscription(
            spec, concurrency=concurrency, prefetch=max(prefetch, batch), batch=batch, linger=linger
        )

    def on(self, queue: str, event_cls: type[P]) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            sub = self._subs[queue]
            if event_cls.event_type not in sub.queue.event_types:
                raise ValueError(f"{queue} is not bound to {event_cls.event_type}")
            sub.handlers[event_cls.event_type] = fn
            return fn

        return register

    def on_any(self, queue: str) -> Callable[[Handler], Handler]:
        """A handler for every type the queue is bound to, known or not (e.g. the timeline).

        It receives the parsed payload for known types and ``None`` for types this build
        does not know yet (read them from ``ctx.envelope.data``).
        """

        def register(fn: Handler) -> Handler:
            self._subs[queue].handlers[ANY_TYPE] = fn
            return fn

        return register

    def declare_publishes(self, *event_classes: type[Event]) -> None:
        self.publishes.update(cls.event_type for cls in event_classes)

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self._subs.values())

    @property
    def consumes(self) -> set[str]:
        return {t for s in self._subs.values() for t in s.handlers if t != ANY_TYPE}
