"""The outbox relay: publishes staged events with confirms, safely with several replicas.

Each pass locks a batch with ``FOR UPDATE SKIP LOCKED`` (two relays never take the same
rows), publishes them, waits for every confirm, and marks only the confirmed ones.
A row whose publish failed stays unpublished and is retried on the next pass.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_contracts import CONTENT_TYPE
from waops_observability import get_logger, metrics

from waops_messaging.broker import Broker, BrokerUnavailable
from waops_messaging.outbox import notify_channel
from waops_messaging.wakeup import Wakeup

log = get_logger(__name__)

_SELECT_BATCH = text(
    "SELECT seq, event_id, routing_key, body, headers FROM outbox "
    "WHERE published_at IS NULL ORDER BY seq LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK_PUBLISHED = text("UPDATE outbox SET published_at = now() WHERE seq = ANY(:seqs)")
_MARK_FAILED = text(
    "UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE seq = :seq"
)
_PURGE = text(
    "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => :retention_seconds)"
)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        broker: Broker,
        *,
        schema: str,
        listen_dsn: str | None,
        poll_interval: float = 1.0,
        batch_size: int = 100,
        retention_seconds: float = 7 * 24 * 3600,
    ) -> None:
        self._engine = engine
        self._broker = broker
        self._schema = schema
        self._wakeup = Wakeup(listen_dsn, notify_channel(schema), poll_interval)
        self._batch_size = batch_size
        self._retention = retention_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay:{self._schema}")

    async def stop(self) -> None:
        """Stop after the pass in progress (its confirmed rows are marked, the rest stay)."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=15)
        await self._wakeup.close()

    async def _run(self) -> None:
        passes = 0
        while not self._stopping:
            try:
                published = await self.publish_pending()
            except Exception as exc:
                log.warning("outbox.pass_failed", error=repr(exc))
                published = 0
            passes += 1
            if passes % 600 == 0:
                with contextlib.suppress(Exception):
                    await self._purge()
            # A full batch: more may be waiting, go again at once. Less: the outbox was
            # drained — rows committed since then have set the wake-up (NOTIFY), so waiting
            # loses nothing and spares an empty pass per burst.
            if published < self._batch_size:
                await self._wakeup.wait()

    async def publish_pending(self) -> int:
        """One pass over at most a batch of rows. Returns how many were confirmed."""
        if not self._broker.is_connected:
            return 0
        async with self._engine.begin() as conn:
            rows = (await conn.execute(_SELECT_BATCH, {"limit": self._batch_size})).all()
            metrics.OUTBOX_PENDING.set(len(rows))
            if not rows:
                return 0
            results = await asyncio.gather(
                *(self._publish_row(row) for row in rows), return_exceptions=True
            )
            confirmed = [row.seq for row, res in zip(rows, results, strict=True) if res is None]
            for row, res in zip(rows, results, strict=True):
                if res is not None:
                    await conn.execute(_MARK_FAILED, {"seq": row.seq, "error": repr(res)[:500]})
            if confirmed:
                await conn.execute(_MARK_PUBLISHED, {"seqs": confirmed})
            return len(confirmed)

    async def _publish_row(self, row: Any) -> None:
        try:
            await self._broker.publish(
                row.routing_key,
                bytes(row.body),
                message_id=row.event_id,
                headers=dict(row.headers),
                content_type=CONTENT_TYPE,
            )
        except (BrokerUnavailable, TimeoutError) as exc:
            raise exc
        metrics.EVENTS_PUBLISHED.labels(row.routing_key).inc()

    async def _purge(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(_PURGE, {"retention_seconds": self._retention})
