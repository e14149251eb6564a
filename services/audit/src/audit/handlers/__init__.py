"""The audit log's consumer: every command request and result becomes one chained entry."""

from __future__ import annotations

from waops_contracts.events import CommandRejected, CommandRequested, CommandSucceeded
from waops_messaging import HandlerContext, HandlerRegistry, QueueSpec

from audit.adapters.audit_log import append
from audit.domain.chain import CommandEvent, fact_from

COMMAND_EVENTS = (CommandRequested, CommandSucceeded, CommandRejected)
COMMANDS = QueueSpec("audit.commands", tuple(cls.event_type for cls in COMMAND_EVENTS))


def build_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(COMMANDS, batch=20)  # one chain append per event, filed in batches
    for cls in COMMAND_EVENTS:
        registry.on(COMMANDS.name, cls)(record_command)
    return registry


async def record_command(event: CommandEvent, ctx: HandlerContext[None]) -> None:
    await append(ctx.conn, fact_from(event, ctx.envelope))
