"""Sends queued messages through the provider, outside any event transaction.

Messages are leased (``claim_due``) so several notifier replicas share the work; the outcome
and its ``message.sent`` / ``message.failed`` event commit together. Provider errors decide
what happens next: retry later with backoff (bounded), drop (never retry), or halt.
A sender that dies mid-send loses its lease and the message is sent again: delivery to the
provider is at-least-once, the narrowest window the Cloud API (which has no idempotency
key) allows.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts.events import MessageFailed, MessageSent, ObjectRef
from waops_messaging import EventWriter, Wakeup
from waops_observability import context_from_traceparent, get_logger, get_tracer

from notifier.adapters.outbound import (
    NOTIFY_CHANNEL,
    Outbound,
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
)
from notifier.adapters.providers.base import (
    ProviderError,
    SendResult,
    TransientProviderError,
    WhatsAppProvider,
)

log = get_logger(__name__)
tracer = get_tracer("waops.notifier")


class Dispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        writer: EventWriter,
        provider: WhatsAppProvider,
        *,
        provider_name: str,
        listen_dsn: str,
        max_attempts: int,
        poll_interval: float = 1.0,
        lease_seconds: float = 60.0,
        stop_timeout: float = 20.0,
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._provider = provider
        self._provider_name = provider_name
        self._max_attempts = max_attempts
        self._lease = lease_seconds
        self._stop_timeout = stop_timeout
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
            batch = await claim_due(conn, limit, self._lease)
        await asyncio.gather(*(self._send(m) for m in batch))
        return len(batch)

    async def _send(self, message: Outbound) -> None:
        # The one span of a send, whatever the provider: it joins the trace of the event that
        # queued the message, and the provider passes it on in the request's traceparent.
        with tracer.start_as_current_span(
            f"send {message.template}",
            context=context_from_traceparent(message.traceparent),
            kind=SpanKind.CLIENT,
            attributes={"waops.outbound_id": message.id},
        ):
            try:
                result = await self._provider.send_text(message.to_phone, message.body)
            except ProviderError as exc:
                await self._failed(message, exc)
            except Exception as exc:  # unexpected: transient, bounded by max_attempts
                await self._failed(message, TransientProviderError(None, repr(exc)))
            else:
                await self._sent(message, result)

    async def _sent(self, message: Outbound, result: SendResult) -> None:
        async with self._engine.begin() as conn:
            await mark_sent(conn, message.id, self._provider_name, result.provider_message_id)
            await self._writer.write(
                conn,
                MessageSent(
                    outbound_id=message.id,
                    channel_id=message.channel_id,
                    provider=self._provider_name,
                    provider_message_id=result.provider_message_id,
                    to_phone=message.to_phone,
                    template=message.template,
                    about=_about(message),
                    text=message.body,
                ),
                tenant_id=message.tenant_id,
                subject=f"{message.about_type}/{message.about_id}" if message.about_id else None,
                correlation_id=message.correlation_id,
                causation_id=message.causation_id,
            )
        log.info("message.sent", outbound_id=message.id, template=message.template)

    async def _failed(self, message: Outbound, exc: ProviderError) -> None:
        error, code = str(exc), exc.code
        _mark_span(exc)
        async with self._engine.begin() as conn:
            if exc.action == "retry" and message.attempts < self._max_attempts:
                delay = min(2**message.attempts, 300)
                at = datetime.now(UTC) + timedelta(seconds=delay)
                await mark_retry(conn, message.id, error, at)
                log.warning("message.retry", outbound_id=message.id, error=error, in_s=delay)
                return
            await mark_failed(conn, message.id, code, error)
            await self._writer.write(
                conn,
                MessageFailed(
                    outbound_id=message.id,
                    channel_id=message.channel_id,
                    provider=self._provider_name,
                    to_phone=message.to_phone,
                    template=message.template,
                    about=_about(message),
                    error_code=code,
                    error_title=error[:300],
                ),
                tenant_id=message.tenant_id,
                correlation_id=message.correlation_id,
                causation_id=message.causation_id,
            )
        # The provider's request id (Meta's fbtrace_id) is what its support asks for.
        fields = {"code": code, "details": exc.details, "provider_trace_id": exc.trace_id}
        if exc.action == "halt":
            log.critical("provider.halt", error=error, **fields)
        else:
            log.error("message.failed", outbound_id=message.id, error=error, **fields)


def _mark_span(exc: ProviderError) -> None:
    span = trace.get_current_span()
    span.record_exception(exc)
    span.set_status(StatusCode.ERROR, str(exc))
    if exc.http_status is not None:
        span.set_attribute("http.response.status_code", exc.http_status)
    if exc.code is not None:
        span.set_attribute("whatsapp.error.code", exc.code)


def _about(message: Outbound) -> ObjectRef | None:
    if not (message.about_type and message.about_id):
        return None
    return ObjectRef.model_validate(
        {"type": message.about_type, "id": message.about_id, "reference": message.about_reference}
    )
