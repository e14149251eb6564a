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
A sender that dies mid-send loses its lease and the message is sent again: delivery to the
provider is at-least-once, the narrowest window APIs without idempotency keys allow.
A free-form message to someone who has not written within WhatsApp's customer-service window
goes out as the re-engagement template when one is configured (``adapters.service_window``).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, RetryCallState, wait_exponential_jitter
from waops_contracts.events import MessageFailed, MessageSent, ObjectRef
from waops_messaging import EventWriter, Wakeup
from waops_observability import context_from_traceparent, get_logger, get_tracer

from notifier import metrics
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
    halt_channel,
    mark_failed,
    mark_retry,
    mark_sent,
    release,
)
from notifier.adapters.providers.base import (
    PermanentProviderError,
    ProviderError,
    SendResult,
    TransientProviderError,
)
from notifier.adapters.service_window import ServiceWindow
from notifier.adapters.statuses import record_send
from notifier.domain.window import WindowPolicy

log = get_logger(__name__)
tracer = get_tracer("waops.notifier")
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
                result = await provider.send(message.to_phone, fitted.content)
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
        async with self._engine.begin() as conn:
            await release(conn, message.id, at, reason)
        log.info("message.deferred", outbound_id=message.id, reason=reason, in_s=round(seconds, 2))

    async def _sent(
        self, message: Outbound, result: SendResult, provider: str, sent_as: str | None = None
    ) -> None:
        metrics.SENDS.labels(provider, message.kind, "sent").inc()
        async with self._engine.begin() as conn:
            await mark_sent(
                conn,
                message.id,
                provider,
                result.provider_message_id,
                reengagement_template=sent_as,
            )
            if message.kind == "mark_read":
                return  # a read receipt, not a message: no lifecycle, no event
            await record_send(
                conn,
                outbound_id=message.id,
                provider=provider,
                channel_id=message.channel_id,
                provider_message_id=result.provider_message_id,
            )
            await self._writer.write(
                conn,
                MessageSent(
                    outbound_id=message.id,
                    channel_id=message.channel_id,
                    provider=provider,
                    provider_message_id=result.provider_message_id,
                    to_phone=message.to_phone,
                    template=message.template,
                    about=about(message.about_type, message.about_id, message.about_reference),
                    text=message.body,
                ),
                tenant_id=message.tenant_id,
                subject=f"{message.about_type}/{message.about_id}" if message.about_id else None,
                correlation_id=message.correlation_id,
                causation_id=message.causation_id,
            )
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
        async with self._engine.begin() as conn:
            if exc.action == "retry" and message.attempts < self._max_attempts:
                delay = self.backoff(message.attempts)
                at = datetime.now(UTC) + timedelta(seconds=delay)
                await mark_retry(conn, message.id, error, at, reengagement_template=sent_as)
                log.warning(
                    "message.retry", outbound_id=message.id, error=error, in_s=round(delay, 2)
                )
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
        log.error("message.failed", outbound_id=message.id, error=error, **fields)

    async def _halt(self, message: Outbound, exc: ProviderError, provider: str) -> None:
        self.breakers.release_probe(message.channel_id)
        self._resolver.forget(message.channel_id)  # resumed, it reads fresh credentials
        async with self._engine.begin() as conn:
            await halt_channel(conn, message.channel_id, provider, exc.code, str(exc))
            await release(conn, message.id, datetime.now(UTC), f"channel halted: {exc}")
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


def about(about_type: str | None, about_id: str | None, reference: str | None) -> ObjectRef | None:
    if not (about_type and about_id):
        return None
    return ObjectRef.model_validate({"type": about_type, "id": about_id, "reference": reference})
