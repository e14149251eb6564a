"""The timeline's consumers: every waops event, placed on the objects it touched."""

from __future__ import annotations

from typing import Any

from waops_messaging import HandlerContext, HandlerRegistry, QueueSpec

from timeline.adapters.entries import add_entry
from timeline.domain.placement import place

ALL_EVENTS = QueueSpec("timeline.all-events", ("waops.#",))


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(ALL_EVENTS, concurrency=16, batch=20)  # many small, independent entries
    registry.on_any(ALL_EVENTS.name)(record_on_timelines)
    return registry


async def record_on_timelines(_: Any, ctx: HandlerContext[None]) -> None:
    env = ctx.envelope
    for placement in place(env.type, env.subject, env.data):
        await add_entry(
            ctx.conn,
            tenant_id=env.tenantid,
            placement=placement,
            event_id=env.id,
            event_type=env.type,
            occurred_at=env.time,
            data=env.data,
            correlation_id=env.correlationid,
        )
