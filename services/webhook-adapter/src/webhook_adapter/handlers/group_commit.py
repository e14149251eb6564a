"""Group commit: webhooks that arrive while others are being stored share one transaction.

Each webhook still gets its 200 only after its own rows and events are committed, and its
outcome is exactly what it would be alone (``ingest_group``). What changes is the cost: a
group pays one pool checkout, BEGIN, one statement per table and COMMIT, instead of each
webhook paying all of them. No timer: a webhook that finds a free slot starts a group at
once (nothing waits when the door is quiet); under load, what arrives while the slots are
busy forms the next group.

If a group's transaction fails, every webhook in it is retried in a transaction of its own,
so one bad webhook never fails the others; a webhook that fails alone raises to its caller
(a storage error becomes the door's 503).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine
from waops_messaging import EventWriter
from waops_observability import get_logger

from webhook_adapter.handlers.ingest import Outcome, Webhook, ingest_group

log = get_logger(__name__)

# Transactions in flight at once: enough to keep PostgreSQL busy while the next group forms.
SLOTS = 2
# A group's bounds: Meta sends up to 1000 updates (a few MB) in one webhook.
MAX_WEBHOOKS = 64
MAX_BYTES = 4 * 1024 * 1024

_Waiting = tuple[Webhook, "asyncio.Future[Outcome]"]


class GroupCommit:
    def __init__(self, engine: AsyncEngine, writer: EventWriter, *, slots: int = SLOTS) -> None:
        self._engine = engine
        self._writer = writer
        self._slots = slots
        self._busy = 0
        self._waiting: list[_Waiting] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.fallbacks = 0  # groups that failed and were retried webhook by webhook

    async def ingest(self, webhook: Webhook) -> Outcome:
        """The webhook's outcome once it is committed (with whichever group it joined)."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((webhook, future))
        self._start_groups()
        return await future

    def _start_groups(self) -> None:
        while self._waiting and self._busy < self._slots:
            self._busy += 1
            # The group is taken when the task first runs, so webhooks read in the same
            # turn of the event loop join it. A context of its own: the group belongs to
            # no single request (each event carries its request's traceparent).
            task = asyncio.create_task(self._next_group(), context=contextvars.Context())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _next_group(self) -> None:
        try:
            group = self._take()
            if group:
                await self._commit(group)
        finally:
            self._busy -= 1
            self._start_groups()

    def _take(self) -> list[_Waiting]:
        size = count = 0
        for webhook, _ in self._waiting:
            if count and (count == MAX_WEBHOOKS or size + len(webhook.body) > MAX_BYTES):
                break
            count += 1
            size += len(webhook.body)
        group, self._waiting = self._waiting[:count], self._waiting[count:]
        return group

    async def _commit(self, group: Sequence[_Waiting]) -> None:
        try:
            async with self._engine.begin() as conn:
                outcomes = await ingest_group(conn, self._writer, [w for w, _ in group])
        except asyncio.CancelledError:
            for _, future in group:
                future.cancel()
            raise
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0][1], exception=exc)
                return
            self.fallbacks += 1
            log.warning("webhook.group_failed", webhooks=len(group), error=repr(exc))
            await asyncio.gather(*(self._commit([waiting]) for waiting in group))
            return
        for (_, future), outcome in zip(group, outcomes, strict=True):
            _settle(future, outcome=outcome)

    async def lifecycle(self, _: object) -> AsyncIterator[None]:
        """An aiohttp cleanup context: on shutdown, groups in flight finish before the
        engine is disposed."""
        yield
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _settle(
    future: asyncio.Future[Outcome],
    *,
    outcome: Outcome | None = None,
    exception: BaseException | None = None,
) -> None:
    if future.done():  # its request went away; the webhook is stored regardless
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        assert outcome is not None
        future.set_result(outcome)
