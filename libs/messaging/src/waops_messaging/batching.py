"""Gathers deliveries into batches for consumers that file many small events (the timeline,
the audit): one transaction for several deliveries instead of one each.

A batch is flushed when it is full or ``linger`` seconds after its first message, whichever
comes first, so a lone event waits at most ``linger``; under load batches fill at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aio_pika.abc import AbstractIncomingMessage

RunBatch = Callable[[list[AbstractIncomingMessage]], Awaitable[None]]


class Batcher:
    def __init__(self, run: RunBatch, *, size: int, linger: float, concurrency: int) -> None:
        self._run = run
        self._size = size
        self._linger = linger
        self._pending: list[AbstractIncomingMessage] = []
        self._timer: asyncio.TimerHandle | None = None
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, message: AbstractIncomingMessage) -> None:
        self._pending.append(message)
        if len(self._pending) >= self._size:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._linger, self._flush)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.create_task(self._run_one(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run_one(self, batch: list[AbstractIncomingMessage]) -> None:
        async with self._slots:
            await self._run(batch)

    def drop_pending(self) -> None:
        """Stopping: what has not started is never acked (the broker redelivers it)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending = []
