"""The consumer wrapper around every handler: decode, inbox, handle, commit, then ack.

- The handler's effects, its outbox events and the inbox key commit in one transaction;
  the ack follows the commit. A crash before the ack means a redelivery, which the inbox
  turns into a no-op.
- A handler failure rolls back and the message is requeued (with a short backoff); at the
  delivery limit it is parked on the dead-letter path with the failure as its reason.
- A transient failure (the database or a dependency down or overloaded: ``failures``) is
  not the message's fault: it is retried in place with backoff, uncounted, for up to
  ``transient_window`` seconds, so load never parks a good message.
- Undecodable messages are parked at once: retrying cannot help them.
- Stopping cancels the consumers first, lets in-flight handlers finish (bounded), and
  acks nothing unfinished: whatever was not acked is redelivered by the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from datetime import UTC, datetime
from typing import Any, NamedTuple

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage, AbstractQueue
from opentelemetry import context as otel_context
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from waops_contracts import Envelope, UnknownEventType, parse_payload
from waops_observability import bind_correlation, context_from_traceparent, get_logger, metrics
from waops_observability.logging import structlog_reset

from waops_messaging.batching import Batcher
from waops_messaging.broker import Broker
from waops_messaging.failures import is_transient
from waops_messaging.handlers import ANY_TYPE, EventWriter, HandlerContext, Subscription
from waops_messaging.inbox import claim
from waops_messaging.topology import DEAD_LETTER_EXCHANGE, PARK_REASON_HEADER, declare_queue

log = get_logger(__name__)
tracer = trace.get_tracer("waops.messaging")


def _delivery_count(message: AbstractIncomingMessage) -> int:
    """This delivery's number, 1-based (quorum queues count earlier failed deliveries)."""
    count = (message.headers or {}).get("x-delivery-count", 0)
    return (count if isinstance(count, int) else 0) + 1


class Decoded(NamedTuple):
    envelope: Envelope
    handler: Any
    payload: Any


class _TransientRetries:
    """The in-place retries of one message's transient failures: exponential backoff with
    jitter, capped at 5 s, for at most ``window`` seconds from the first failure."""

    def __init__(self, window: float, backoff: float) -> None:
        self._window = window
        self._backoff = backoff
        self._since: float | None = None
        self.attempts = 0

    def may_retry(self) -> bool:
        now = time.monotonic()
        if self._since is None:
            self._since = now
        return now - self._since < self._window

    def next_wait(self) -> float:
        self.attempts += 1
        ceiling = min(self._backoff * 2 ** min(self.attempts - 1, 10), 5.0)
        return random.uniform(ceiling / 2, ceiling)


class Poison(Exception):
    """A message that can never be handled (undecodable, unknown type): park it now."""


class Consumers:
    """Runs a service's subscriptions on every (re)connection of the broker."""

    def __init__(
        self,
        *,
        service: str,
        broker: Broker,
        engine: AsyncEngine,
        writer: EventWriter,
        subscriptions: list[Subscription],
        deps: Any,
        retry_backoff: float = 0.2,
        drain_timeout: float = 20.0,
        transient_window: float = 300.0,
        depth_interval: float = 5.0,
    ) -> None:
        self._service = service
        self._broker = broker
        self._engine = engine
        self._writer = writer
        self._subs = subscriptions
        self._deps = deps
        self._retry_backoff = retry_backoff
        self._drain_timeout = drain_timeout
        self._transient_window = transient_window
        self._depth_interval = depth_interval
        self._depth_task: asyncio.Task[None] | None = None
        self._batchers: list[Batcher] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self._queues: list[tuple[AbstractQueue, str]] = []
        self._accepting = True
        broker.on_connect(self._attach)

    async def _attach(self, connection: AbstractConnection) -> None:
        self._queues = []
        for batcher in self._batchers:  # the old channel's deliveries cannot be acked now
            batcher.drop_pending()
        self._batchers = []
        for sub in self._subs:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=sub.prefetch)
            queues = await declare_queue(channel, sub.queue)
            ordered = sub.queue.partitions > 0
            for queue in queues:
                if sub.batch > 1 and not ordered:
                    await self._consume_in_batches(sub, queue)
                    continue
                sem = asyncio.Semaphore(1 if ordered else sub.concurrency)

                async def on_message(
                    message: AbstractIncomingMessage,
                    sub: Subscription = sub,
                    sem: asyncio.Semaphore = sem,
                ) -> None:
                    # aio-pika runs each callback as a task; on a partition the semaphore of
                    # one keeps handling sequential, and its FIFO wake-up keeps arrival order.
                    async with sem:
                        # Checked once its turn comes: a prefetched message still waiting
                        # when stop() began is not started (and never acked): the broker
                        # redelivers it elsewhere.
                        if not self._accepting:
                            return
                        await self._track(self._handle(sub, message), sub.queue.name)

                tag = await queue.consume(on_message, no_ack=False)
                self._queues.append((queue, tag))
        log.info("consumers.attached", queues=[q.name for q, _ in self._queues])
        if self._depth_task is None or self._depth_task.done():
            self._depth_task = asyncio.create_task(self._watch_depth(), name="queue-depth")

    async def _consume_in_batches(self, sub: Subscription, queue: AbstractQueue) -> None:
        async def run(batch: list[AbstractIncomingMessage]) -> None:
            if self._accepting:  # else never started, never acked: redelivered elsewhere
                await self._track(self._handle_batch(sub, batch), sub.queue.name)

        batcher = Batcher(
            run,
            size=sub.batch,
            linger=sub.linger,
            concurrency=max(1, sub.concurrency // sub.batch),
        )
        self._batchers.append(batcher)

        async def on_message(message: AbstractIncomingMessage) -> None:
            if self._accepting:
                batcher.add(message)

        tag = await queue.consume(on_message, no_ack=False)
        self._queues.append((queue, tag))

    async def _watch_depth(self) -> None:
        """Backlog made visible: each consumed queue's ready messages, every few seconds
        (a passive declare on a channel of its own: a failure closes only that channel)."""
        while self._accepting:
            with contextlib.suppress(Exception):
                channel = await self._broker.channel()
                try:
                    for queue, _ in list(self._queues):
                        declared = await asyncio.wait_for(
                            channel.declare_queue(queue.name, passive=True), 5
                        )
                        depth = declared.declaration_result.message_count or 0
                        metrics.QUEUE_DEPTH.labels(queue.name).set(depth)
                finally:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(channel.close(), 5)
            await asyncio.sleep(self._depth_interval)

    async def _track(self, coro: Any, consumer: str) -> None:
        task = asyncio.ensure_future(coro)
        self._inflight.add(task)
        gauge = metrics.EVENTS_IN_FLIGHT.labels(consumer)
        gauge.inc()
        try:
            await asyncio.shield(task)
        finally:
            gauge.dec()
            self._inflight.discard(task)

    async def stop(self) -> None:
        """Cancel consumption, then let what is in flight finish (bounded).

        A handler still running at the deadline is cancelled: its transaction rolls back
        (releasing its inbox claim for the replica that gets the redelivery) and it is
        never acked.
        """
        self._accepting = False
        for batcher in self._batchers:
            batcher.drop_pending()
        if self._depth_task is not None:
            self._depth_task.cancel()
        for queue, tag in self._queues:
            with contextlib.suppress(Exception):  # a dead channel must not hold the stop
                await asyncio.wait_for(queue.cancel(tag), 5)
        if not self._inflight:
            return
        _, unfinished = await asyncio.wait(set(self._inflight), timeout=self._drain_timeout)
        if unfinished:
            log.warning("consumers.drain_timeout", cancelled=len(unfinished))
            for task in unfinished:
                task.cancel()
            await asyncio.wait(unfinished, timeout=5)

    async def _handle(self, sub: Subscription, message: AbstractIncomingMessage) -> None:
        decoded = await self._decode(sub, message)
        if decoded is not None:
            await self._process(sub, message, decoded)

    async def _decode(self, sub: Subscription, message: AbstractIncomingMessage) -> Decoded | None:
        """The envelope, its handler and its payload; None when it was parked as undecodable."""
        event_type = message.routing_key or "?"
        try:
            envelope = Envelope.from_json_bytes(message.body)
            event_type = envelope.type
            handler = sub.handlers.get(envelope.type)
            payload: Any = None
            if handler is not None:
                payload = parse_payload(envelope.type, envelope.data)
            elif (handler := sub.handlers.get(ANY_TYPE)) is not None:
                with contextlib.suppress(UnknownEventType):
                    payload = parse_payload(envelope.type, envelope.data)
            else:
                raise Poison(f"no handler for {envelope.type} on {sub.queue.name}")
        except (ValidationError, ValueError, UnknownEventType, Poison) as exc:
            await self._park(sub, message, f"undecodable: {exc!r}"[:1000], event_type)
            return None
        return Decoded(envelope, handler, payload)

    async def _process(
        self, sub: Subscription, message: AbstractIncomingMessage, decoded: Decoded
    ) -> None:
        structlog_reset(self._service)
        started = time.perf_counter()
        envelope, handler, payload = decoded
        event_type = envelope.type
        bind_correlation(
            event_id=envelope.id, event_type=envelope.type, correlation_id=envelope.correlationid
        )
        token = otel_context.attach(context_from_traceparent(envelope.traceparent))
        deliveries = _delivery_count(message)
        transient = _TransientRetries(self._transient_window, self._retry_backoff)
        try:
            while True:
                try:
                    outcome = await self._run_handler(sub, envelope, handler, payload)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if is_transient(exc) and transient.may_retry():
                        if not self._accepting:
                            return  # stopping: left unacked, the broker redelivers it
                        log.warning(
                            "event.transient_failure_retrying",
                            error=repr(exc)[:500],
                            attempt=transient.attempts,
                        )
                        metrics.EVENTS_CONSUMED.labels(
                            sub.queue.name, event_type, "transient_retried"
                        ).inc()
                        await asyncio.sleep(transient.next_wait())
                        continue
                    if sub.queue.partitions > 0 and deliveries < sub.queue.delivery_limit:
                        # An ordered partition retries in place: requeueing would let the
                        # messages behind this one overtake it.
                        log.warning("event.failed_retrying", error=repr(exc), attempt=deliveries)
                        metrics.EVENTS_CONSUMED.labels(sub.queue.name, event_type, "retried").inc()
                        await asyncio.sleep(self._backoff(deliveries))
                        deliveries += 1
                        continue
                    await self._retry_or_park(sub, message, exc, event_type, deliveries)
                    return
        finally:
            otel_context.detach(token)
        await self._ack(message)
        metrics.EVENTS_CONSUMED.labels(sub.queue.name, event_type, outcome).inc()
        metrics.EVENT_HANDLING_SECONDS.labels(sub.queue.name, event_type).observe(
            time.perf_counter() - started
        )
        log.debug("event.handled", outcome=outcome)

    async def _handle_batch(
        self, sub: Subscription, messages: list[AbstractIncomingMessage]
    ) -> None:
        """Several deliveries in one transaction: each one's inbox claim and handler in turn,
        one commit, then every ack. If anything fails the transaction rolls back and each
        message is handled alone, with its own retries and parking: a batch changes the cost,
        never the outcome."""
        structlog_reset(self._service)
        started = time.perf_counter()
        batch = [(m, d) for m in messages if (d := await self._decode(sub, m)) is not None]
        if not batch:
            return
        try:
            async with self._engine.begin() as conn:
                outcomes = []
                for _, (envelope, handler, payload) in batch:
                    outcomes.append(await self._run_in(conn, sub, envelope, handler, payload))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("events.batch_failed_one_by_one", error=repr(exc)[:300], size=len(batch))
            for message, decoded in batch:
                await self._process(sub, message, decoded)
            return
        elapsed = (time.perf_counter() - started) / len(batch)
        for (message, (envelope, _, _)), outcome in zip(batch, outcomes, strict=True):
            await self._ack(message)
            metrics.EVENTS_CONSUMED.labels(sub.queue.name, envelope.type, outcome).inc()
            metrics.EVENT_HANDLING_SECONDS.labels(sub.queue.name, envelope.type).observe(elapsed)

    async def _run_handler(
        self, sub: Subscription, envelope: Envelope, handler: Any, payload: Any
    ) -> str:
        """One delivery in a transaction of its own (``_process`` bound its context)."""
        async with self._engine.begin() as conn:
            return await self._claim_and_run(conn, sub, envelope, handler, payload)

    async def _run_in(
        self,
        conn: AsyncConnection,
        sub: Subscription,
        envelope: Envelope,
        handler: Any,
        payload: Any,
    ) -> str:
        """One delivery of a batch: its log context and trace, then its claim and handler
        in the batch's transaction."""
        bind_correlation(
            event_id=envelope.id, event_type=envelope.type, correlation_id=envelope.correlationid
        )
        token = otel_context.attach(context_from_traceparent(envelope.traceparent))
        try:
            return await self._claim_and_run(conn, sub, envelope, handler, payload)
        finally:
            otel_context.detach(token)

    async def _claim_and_run(
        self,
        conn: AsyncConnection,
        sub: Subscription,
        envelope: Envelope,
        handler: Any,
        payload: Any,
    ) -> str:
        with tracer.start_as_current_span(
            f"consume {envelope.type}",
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.destination": sub.queue.name, "cloudevents.id": envelope.id},
        ):
            if not await claim(conn, sub.queue.name, envelope.id, envelope.type):
                return "duplicate"
            await handler(payload, HandlerContext(conn, envelope, self._writer, self._deps))
            return "handled"

    def _backoff(self, deliveries: int) -> float:
        return float(min(self._retry_backoff * 2 ** (deliveries - 1), 5.0))

    async def _ack(self, message: AbstractIncomingMessage) -> None:
        try:
            await message.ack()
        except Exception as exc:  # channel gone: the broker redelivers, the inbox dedupes
            log.warning("event.ack_failed", error=repr(exc))

    async def _retry_or_park(
        self,
        sub: Subscription,
        message: AbstractIncomingMessage,
        exc: Exception,
        event_type: str,
        deliveries: int,
    ) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        if deliveries >= sub.queue.delivery_limit:
            log.error("event.failed_parking", error=reason, deliveries=deliveries)
            await self._park(sub, message, reason, event_type)
            return
        log.warning("event.failed_retrying", error=reason, deliveries=deliveries)
        metrics.EVENTS_CONSUMED.labels(sub.queue.name, event_type, "retried").inc()
        await asyncio.sleep(self._backoff(deliveries))
        with contextlib.suppress(Exception):
            await message.nack(requeue=True)

    async def _park(
        self, sub: Subscription, message: AbstractIncomingMessage, reason: str, event_type: str
    ) -> None:
        headers = dict(message.headers or {})
        headers.update(
            {
                PARK_REASON_HEADER: reason,
                "x-waops-parked-by": self._service,
                "x-waops-parked-at": datetime.now(UTC).isoformat(),
                "x-waops-original-routing-key": message.routing_key or "",
            }
        )
        try:
            await self._broker.publish(
                sub.queue.name,
                message.body,
                message_id=message.message_id or "",
                headers=headers,
                content_type=message.content_type or "application/octet-stream",
                exchange=DEAD_LETTER_EXCHANGE,
            )
        except Exception as exc:  # could not park: leave it to redelivery / the broker limit
            log.error("event.park_failed", error=repr(exc))
            with contextlib.suppress(Exception):
                await message.nack(requeue=True)
            return
        log.error("event.parked", reason=reason, queue=sub.queue.name)
        metrics.EVENTS_CONSUMED.labels(sub.queue.name, event_type, "parked").inc()
        await self._ack(message)
