"""Sends queued messages through each channel's provider, outside any event transaction.

Messages are leased (``claim_due``) so several notifier replicas share the work; the outcome
and its ``message.sent`` / ``message.failed`` event commit together. The provider's decision
table says what a refusal means (``notifier.domain.decisions``):
- ``retry``: again later with exponential backoff and jitter (tenacity's wait), at most
  ``max_attempts`` tries, then failed; it also counts against the channel's circuit breaker;
- ``drop``: failed at once, never retried;
- ``halt``: the channel is paused (persisted, metric, critical "alert" log) and the message
  goes back to the queue with its attempt not counted; nothing more is sent on the channel
  until an operator resumes it (``POST /v1/channels/{id}/resume``) or, if configured, a
  set time has passed.
While a channel's circuit is open its messages are not claimed at all: they wait, queued,
their attempts untouched; after the cool-down one probe send decides.
What the provider answered is recorded with retries (a database hiccup must not lose an
accepted send). A send whose sender's lease runs out anyway (it died mid-send, or the
database stayed away) is never simply sent again: it becomes ``unknown``; every send carries
its id as a client reference that the provider echoes in its status webhooks, and a status
naming it reconciles it as sent. Only when the provider says nothing about it for
``unknown_resend_after`` seconds is it queued again, counted (ADR 0026).
A free-form message to someone who has not written within WhatsApp's customer-service window
goes out as the re-engagement template when one is configured (``adapters.service_window``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_delay,
    wait_exponential_jitter,
)
from waops_contracts.events import MessageFailed
from waops_messaging import EventWriter, Wakeup, is_transient
from waops_observability import context_from_traceparent, get_logger, get_tracer

from notifier import metrics
from notifier.adapters.accepted import about, reconcile, record_accepted
from notifier.adapters.breaker import ChannelBreakers, State
from notifier.adapters.channels import (
    ChannelResolver,
    ChannelsUnavailable,
    ProviderFactory,
    UnknownChannel,
)
from notifier.adapters.outbound import (
    NOTIFY_CHANNEL,
    Outbound,
    claim_due,
    expire_leases,
    halt_channel,
    mark_failed,
    mark_retry,
    pending_by_status,
    release,
    requeue_unknown,
    unknown_older_than,
)
from notifier.adapters.providers.base import (
    PermanentProviderError,
    ProviderError,
    SendResult,
    TransientProviderError,
)
from notifier.adapters.service_window import ServiceWindow
from notifier.adapters.statuses import pending_for_reference
from notifier.domain.window import WindowPolicy

log = get_logger(__name__)
tracer = get_tracer("waops.notifier")
T = TypeVar("T")
_CIRCUIT_VALUES = {State.CLOSED: 0, State.HALF_OPEN: 1, State.OPEN: 2}


def circuit_changed(channel: str, state: State) -> None:
    metrics.CIRCUIT.labels(channel).set(_CIRCUIT_VALUES[state])
    log.warning("provider.circuit", channel_id=channel, state=str(state))


class Dispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        writer: EventWriter,
        resolver: ChannelResolver,
        factory: ProviderFactory,
        *,
        listen_dsn: str,
        max_attempts: int,
        backoff: float = 2.0,
        backoff_max: float = 300.0,
        breakers: ChannelBreakers | None = None,
        halt_resume_after: float = 0.0,
        poll_interval: float = 1.0,
        lease_seconds: float = 60.0,
        stop_timeout: float = 20.0,
        window: WindowPolicy | None = None,
        record_retry_for: float = 300.0,
        unknown_resend_after: float = 300.0,
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._resolver = resolver
        self._factory = factory
        self._max_attempts = max_attempts
        self._wait = wait_exponential_jitter(multiplier=backoff, max=backoff_max, jitter=backoff)
        self.breakers = breakers or ChannelBreakers(
            failures=5, cooldown=30.0, on_change=circuit_changed
        )
        self._halt_resume_after = halt_resume_after
        self._lease = lease_seconds
        self._stop_timeout = stop_timeout
        self._record_retry_for = record_retry_for
        self._unknown_resend_after = unknown_resend_after
        self._swept_at = 0.0
        self._window = ServiceWindow(engine, window or WindowPolicy())
        self._wakeup = Wakeup(listen_dsn, NOTIFY_CHANNEL, poll_interval)
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notifier-dispatcher")

    async def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, timeout=self._stop_timeout)
        await self._wakeup.close()

    def wake(self) -> None:
        self._wakeup.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                sent = await self.dispatch_due()
            except Exception as exc:
                log.warning("dispatcher.pass_failed", error=repr(exc))
                sent = 0
            if not sent:  # else more may be due: go again at once
                await self._wakeup.wait()

    async def dispatch_due(self, limit: int = 20) -> int:
        if time.monotonic() - self._swept_at >= 1.0:
            await self.sweep_unknown()
        async with self._engine.begin() as conn:
            batch = await claim_due(
                conn,
                limit,
                self._lease,
                paused_channels=self.breakers.paused(),
                halt_resume_after=self._halt_resume_after,
            )
        await asyncio.gather(*(self._send(m) for m in batch))
        return len(batch)

    async def sweep_unknown(self) -> None:
        """Sends whose lease ran out become unknown (reconciled at once when a status naming
        them came first); unknown ones the provider never spoke of are queued again."""
        self._swept_at = time.monotonic()
        async with self._engine.begin() as conn:
            for outbound_id in await expire_leases(conn):
                metrics.UNKNOWN_OUTCOMES.labels("unknown").inc()
                log.warning("message.outcome_unknown", outbound_id=outbound_id)
                if (seen := await pending_for_reference(conn, outbound_id)) is not None:
                    provider, provider_message_id = seen
                    await reconcile(
                        conn,
                        self._writer,
                        client_reference=outbound_id,
                        provider=provider,
                        provider_message_id=provider_message_id,
                    )
            for message in await unknown_older_than(conn, self._unknown_resend_after):
                await requeue_unknown(conn, message.id)
                metrics.UNKNOWN_OUTCOMES.labels("resent").inc()
                log.warning("message.resent_after_unknown", outbound_id=message.id)
            for status, count in (await pending_by_status(conn)).items():
                metrics.PENDING.labels(status).set(count)

    async def _in_transaction(
        self, what: str, work: Callable[[AsyncConnection], Awaitable[T]]
    ) -> T | None:
        """Run ``work`` in a transaction, retrying transient database failures for up to
        ``record_retry_for`` seconds: an outcome the provider gave must not be lost to a
        database hiccup, or its message would be sent again. None when it could not be
        recorded (the message's lease then runs out and it becomes unknown)."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(is_transient),
            wait=wait_exponential_jitter(multiplier=0.1, max=5.0, jitter=0.1),
            stop=stop_after_delay(self._record_retry_for),
            before_sleep=lambda _: metrics.RECORD_RETRIES.labels(what).inc(),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    async with self._engine.begin() as conn:
                        return await work(conn)
        except Exception as exc:
            metrics.UNRECORDED.labels(what).inc()
            log.error("message.outcome_unrecorded", outcome=what, error=repr(exc)[:500])
        return None

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` tries (tenacity's exponential
        wait with jitter, capped)."""
        state = RetryCallState(AsyncRetrying(), None, (), {})
        state.attempt_number = max(attempts, 1)
        return float(self._wait(state))

    async def _send(self, message: Outbound) -> None:
        # The one span of a send, whatever the provider: it joins the trace of the event that
        # queued the message, and the provider passes it on in the request's traceparent.
        with tracer.start_as_current_span(
            f"send {message.template}",
            context=context_from_traceparent(message.traceparent),
            kind=SpanKind.CLIENT,
            attributes={"waops.outbound_id": message.id, "waops.channel_id": message.channel_id},
        ):
            try:
                channel = await self._resolver.resolve(message.channel_id)
                provider = self._factory.for_channel(channel)
            except UnknownChannel as exc:
                error = PermanentProviderError(None, f"unknown channel: {exc}")
                await self._failed(message, error, "unknown")
                return
            except ChannelsUnavailable as exc:
                await self._defer(message, self.backoff(message.attempts), str(exc))
                return
            if not self.breakers.admit(channel.id):
                wait = max(self.breakers.reopens_in(channel.id), 1.0)
                await self._defer(message, wait, "circuit open: the provider is failing")
                metrics.SENDS.labels(provider.name, message.kind, "deferred").inc()
                return
            try:
                content = message.message()
            except ValidationError as exc:
                self.breakers.release_probe(channel.id)
                error = PermanentProviderError(None, f"unreadable message content: {exc}")
                await self._failed(message, error, provider.name)
                return
            try:
                fitted = await self._window.fit(message, channel.provider, content)
            except Exception as exc:  # the read model unreadable: not the provider's failure
                self.breakers.release_probe(channel.id)
                await self._defer(message, self.backoff(message.attempts), f"window: {exc!r}")
                return
            sent_as = fitted.reengagement_template
            if sent_as:
                trace.get_current_span().set_attribute("waops.reengagement_template", sent_as)
            try:
                result = await provider.send(message.to_phone, fitted.content, reference=message.id)
            except ProviderError as exc:
                await self._failed(message, exc, provider.name, sent_as)
            except Exception as exc:  # unexpected: transient, bounded by max_attempts
                unexpected = TransientProviderError(None, repr(exc))
                await self._failed(message, unexpected, provider.name, sent_as)
            else:
                self.breakers.success(channel.id)
                await self._sent(message, result, provider.name, sent_as)

    async def _defer(self, message: Outbound, seconds: float, reason: str) -> None:
        at = datetime.now(UTC) + timedelta(seconds=seconds)

        async def defer(conn: AsyncConnection) -> None:
            await release(conn, message.id, at, reason)

        await self._in_transaction("deferred", defer)
        log.info("message.deferred", outbound_id=message.id, reason=reason, in_s=round(seconds, 2))

    async def _sent(
        self, message: Outbound, result: SendResult, provider: str, sent_as: str | None = None
    ) -> None:
        metrics.SENDS.labels(provider, message.kind, "sent").inc()

        async def accepted(conn: AsyncConnection) -> bool:
            return await record_accepted(
                conn,
                self._writer,
                message,
                provider=provider,
                provider_message_id=result.provider_message_id,
                reengagement_template=sent_as,
            )

        await self._in_transaction("sent", accepted)
        log.info(
            "message.sent",
            outbound_id=message.id,
            template=message.template,
            reengagement_template=sent_as,
        )

    async def _failed(
        self, message: Outbound, exc: ProviderError, provider: str, sent_as: str | None = None
    ) -> None:
        error, code = str(exc), exc.code
        _mark_span(exc)
        metrics.SENDS.labels(provider, message.kind, exc.action).inc()
        fields = {
            "code": code,
            "details": exc.details,
            "provider_trace_id": exc.trace_id,
            "reengagement_template": sent_as,
        }
        if exc.action == "halt":
            await self._halt(message, exc, provider)
            return
        if exc.action == "retry":
            self.breakers.failure(message.channel_id)
        else:
            self.breakers.success(message.channel_id)  # the provider answered
        retry_at: datetime | None = None
        if exc.action == "retry" and message.attempts < self._max_attempts:
            retry_at = datetime.now(UTC) + timedelta(seconds=self.backoff(message.attempts))

        async def record_failure(conn: AsyncConnection) -> None:
            if retry_at is not None:
                await mark_retry(conn, message.id, error, retry_at, reengagement_template=sent_as)
                return
            await mark_failed(conn, message.id, code, error, reengagement_template=sent_as)
            await self._writer.write(
                conn,
                MessageFailed(
                    outbound_id=message.id,
                    channel_id=message.channel_id,
                    provider=provider,
                    to_phone=message.to_phone,
                    template=message.template,
                    about=about(message.about_type, message.about_id, message.about_reference),
                    error_code=code,
                    error_title=error[:300],
                ),
                tenant_id=message.tenant_id,
                correlation_id=message.correlation_id,
                causation_id=message.causation_id,
            )

        await self._in_transaction("retry" if retry_at else "failed", record_failure)
        if retry_at is not None:
            in_s = (retry_at - datetime.now(UTC)).total_seconds()
            log.warning("message.retry", outbound_id=message.id, error=error, in_s=round(in_s, 2))
            return
        log.error("message.failed", outbound_id=message.id, error=error, **fields)

    async def _halt(self, message: Outbound, exc: ProviderError, provider: str) -> None:
        self.breakers.release_probe(message.channel_id)
        self._resolver.forget(message.channel_id)  # resumed, it reads fresh credentials

        async def halt(conn: AsyncConnection) -> None:
            await halt_channel(conn, message.channel_id, provider, exc.code, str(exc))
            await release(conn, message.id, datetime.now(UTC), f"channel halted: {exc}")

        await self._in_transaction("halted", halt)
        metrics.HALTS.labels(provider, str(exc.code)).inc()
        # The alert: a human must fix the channel (renew the token, appeal the block).
        log.critical(
            "provider.halt",
            alert=True,
            channel_id=message.channel_id,
            provider=provider,
            error=str(exc),
            code=exc.code,
            details=exc.details,
            provider_trace_id=exc.trace_id,
        )


def _mark_span(exc: ProviderError) -> None:
    span = trace.get_current_span()
    span.record_exception(exc)
    span.set_status(StatusCode.ERROR, str(exc))
    if exc.http_status is not None:
        span.set_attribute("http.response.status_code", exc.http_status)
    if exc.code is not None:
        span.set_attribute("whatsapp.error.code", exc.code)
