"""The orchestrator's consumers.

- ``orchestrator.commands``: commands asked from conversations (``command.requested``),
  checked against the role table, executed against the core, answered with
  ``command.succeeded`` or ``command.rejected``.
"""

from __future__ import annotations

from waops_contracts.events import CommandRejected, CommandRequested, CommandSucceeded
from waops_messaging import HandlerRegistry, QueueSpec

from orchestrator.handlers.commands import on_command_requested

COMMANDS_QUEUE = "orchestrator.commands"


def commands_queue(delivery_limit: int = 10) -> QueueSpec:
    return QueueSpec(COMMANDS_QUEUE, (CommandRequested.event_type,), delivery_limit=delivery_limit)


def build_registry(delivery_limit: int = 10) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.queue(commands_queue(delivery_limit), concurrency=16)
    registry.on(COMMANDS_QUEUE, CommandRequested)(on_command_requested)
    registry.declare_publishes(CommandSucceeded, CommandRejected)
    return registry
