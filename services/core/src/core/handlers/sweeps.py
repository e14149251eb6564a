"""Time-driven rules the core runs itself: hold expiry, offer expiry, reminders due...

Each sweep is ``async f(engine, writer, now) -> int`` (how many items it handled). It claims
due rows with ``FOR UPDATE SKIP LOCKED`` in short transactions, so several core replicas
sweep side by side without doing anything twice, and a crash mid-sweep loses nothing (the
rows are still due). The ``Sweeper`` runs them every ``WAOPS_CORE_SWEEP_INTERVAL`` seconds;
tests call a sweep with an explicit ``now`` (or ``run_once``) instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncEngine
from waops_messaging import EventWriter
from waops_observability import get_logger

from core.domain.clock import Clock

log = get_logger(__name__)

Sweep = Callable[[AsyncEngine, EventWriter, datetime], Awaitable[int]]

SWEPT = Counter("waops_core_swept_total", "Items handled by a time-driven sweep", ["sweep"])
SWEEP_FAILURES = Counter("waops_core_sweep_failures_total", "Sweeps that raised", ["sweep"])


class Sweeper:
    def __init__(
        self,
        engine: AsyncEngine,
        writer: EventWriter,
        clock: Clock,
        sweeps: dict[str, Sweep],
        interval: float,
    ) -> None:
        self._engine, self._writer, self._clock = engine, writer, clock
        self._sweeps = sweeps
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def run_once(self, now: datetime | None = None) -> dict[str, int]:
        """Run every sweep once; one failing sweep does not stop the others."""
        now = now or self._clock.now()
        handled: dict[str, int] = {}
        for name, sweep in self._sweeps.items():
            try:
                handled[name] = await sweep(self._engine, self._writer, now)
            except Exception:
                SWEEP_FAILURES.labels(name).inc()
                log.exception("sweep.failed", sweep=name)
                continue
            SWEPT.labels(name).inc(handled[name])
            if handled[name]:
                log.info("sweep.done", sweep=name, handled=handled[name])
        return handled

    async def _loop(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="core-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
