"""Wake a polling worker early with PostgreSQL LISTEN/NOTIFY.

NOTIFY takes a global lock at commit, so it is only a hint: workers poll on a timer anyway,
and a lost notification or a dropped LISTEN connection costs at most one poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from waops_observability import get_logger

log = get_logger(__name__)


class Wakeup:
    def __init__(self, listen_dsn: str | None, channel: str, poll_interval: float) -> None:
        self._dsn = listen_dsn
        self._channel = channel
        self._poll_interval = poll_interval
        self._event = asyncio.Event()
        self._listener: asyncpg.Connection | None = None

    def set(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        """Until a notification (or ``set``) or the poll interval, whichever comes first.

        A notification that arrived while the worker was busy returns at once: the event is
        cleared only after a wait, so no wake-up is lost between passes.
        """
        await self._listen()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), self._poll_interval)
        self._event.clear()

    async def _listen(self) -> None:
        if self._listener is not None and self._listener.is_closed():
            self._listener = None
        if self._dsn is None or self._listener is not None:
            return
        try:
            self._listener = await asyncpg.connect(self._dsn, timeout=5)
            await self._listener.add_listener(self._channel, lambda *_: self._event.set())
            # Rows committed before LISTEN began sent their NOTIFY to nobody: look once more.
            self._event.set()
        except Exception as exc:  # polling still works; LISTEN is retried on the next wait
            log.warning("wakeup.listen_failed", channel=self._channel, error=repr(exc))
            await self.close()

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(Exception):
                await listener.close()
